// How the typed API reaches the server: over HTTP (fetch) or over the device's open WebSocket. The
// server answers both the same way (one route table), so the typed layer does not care which.
import { basicAuthorization, type Credentials, type Headers, type Verb } from "@parley/protocol";
import type { ChannelResponse, FrameChannel } from "../transport/frame-channel.js";
import type { FetchLike } from "../transport/websocket-like.js";

export interface ApiCaller {
  call(verb: Verb, path: string, body: Uint8Array | undefined, headers: Headers): Promise<ChannelResponse>;
}

export class HttpCaller implements ApiCaller {
  constructor(
    private readonly baseUrl: string,
    private readonly fetch: FetchLike,
    private readonly credentials?: Credentials,
  ) {}

  async call(verb: Verb, path: string, body: Uint8Array | undefined, headers: Headers): Promise<ChannelResponse> {
    const all: Record<string, string> = { ...headers };
    if (this.credentials) {
      all["authorization"] = basicAuthorization(this.credentials.accountId, this.credentials.deviceId, this.credentials.password);
    }
    const response = await this.fetch(this.baseUrl + path, { method: verb, headers: all, ...(body ? { body } : {}) });
    const retryAfter = response.headers.get("retry-after");
    const contentType = response.headers.get("content-type");
    const out: Record<string, string> = {};
    if (retryAfter !== null) out["retry-after"] = retryAfter;
    if (contentType !== null) out["content-type"] = contentType;
    return { status: response.status, headers: out, body: new Uint8Array(await response.arrayBuffer()) };
  }
}

/** Uses the device's open socket (authenticated at the upgrade) while there is one, HTTP otherwise. */
export class PreferSocketCaller implements ApiCaller {
  constructor(
    private readonly channel: () => FrameChannel | undefined,
    private readonly http: ApiCaller,
  ) {}

  call(verb: Verb, path: string, body: Uint8Array | undefined, headers: Headers): Promise<ChannelResponse> {
    const channel = this.channel();
    if (channel && !channel.closed) return channel.request(verb, path, body, headers);
    return this.http.call(verb, path, body, headers);
  }
}
