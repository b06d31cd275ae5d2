// The transport port: the part of the WHATWG WebSocket interface the SDK uses. Browsers' WebSocket
// and the `ws` package's WebSocket both satisfy it, so the SDK runs unchanged on either.

export interface WebSocketMessageEvent {
  readonly data: unknown;
}

export interface WebSocketCloseEvent {
  readonly code: number;
  readonly reason: string;
}

export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: WebSocketMessageEvent) => void) | null;
  onclose: ((event: WebSocketCloseEvent) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Opens a socket, as `new WebSocket(url, protocols)` does. */
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

/** The fetch function (the global one in browsers and Node 20+). */
export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array | string }) => Promise<{
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/** The factory for the platform's global WebSocket, when there is one. */
export function globalWebSocketFactory(): WebSocketFactory | undefined {
  const ctor = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => WebSocketLike }).WebSocket;
  return ctor ? (url, protocols) => new ctor(url, protocols) : undefined;
}

export const OPEN = 1;
