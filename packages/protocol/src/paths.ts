// Paths, headers and close codes both sides of the WebSocket rely on.

/** The server's request that carries one envelope; the device's 2xx response acknowledges it. */
export const deliverPath = "/v1/messages";
/** The server's request after the stored backlog has been delivered on this connection. */
export const queueEmptyPath = "/v1/queue/empty";
/** On a provisioning socket: the server tells the new device its address. */
export const provisioningAddressPath = "/v1/address";
/** On a provisioning socket: the sealed provisioning message from the primary device. */
export const provisioningMessagePath = "/v1/message";

export const websocketPath = "/v1/websocket";
export const provisioningSocketPath = "/v1/provisioning";

export const contentTypes = {
  json: "application/json",
  protobuf: "application/x-protobuf",
} as const;

/**
 * WebSocket close codes (4000-4999 are for applications). After 4001 the client must not
 * reconnect with the same credentials; after 1012 it reconnects with backoff; after 4000 another
 * connection of the same device is in charge, so it reconnects only if the user asks.
 */
export const CloseCode = {
  /** Standard: the server is shutting down or restarting; reconnect (possibly elsewhere). */
  ServiceRestart: 1012,
  /** Standard: a frame was too large. */
  MessageTooBig: 1009,
  /** Standard: the client's address is now refused by the server's IP rules (after a reload). */
  PolicyViolation: 1008,
  /** A newer connection of the same device replaced this one. */
  Displaced: 4000,
  /** The device was removed from its account (or the account re-registered). */
  DeviceRemoved: 4001,
  /** A frame could not be decoded, or a response answered no open request. */
  MalformedFrame: 4003,
  /** The client did not answer the server's requests in time. */
  Unresponsive: 4004,
  /** Nothing arrived from the client (no request, no response) within the idle bound. */
  Idle: 4005,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Builds the Basic authorization value devices use on HTTP requests and the WebSocket upgrade. */
export function basicAuthorization(accountId: string, deviceId: number, password: string): string {
  return `Basic ${base64OfUtf8(`${accountId}.${deviceId}:${password}`)}`;
}

function base64OfUtf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
