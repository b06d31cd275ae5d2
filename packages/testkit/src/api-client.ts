// A minimal HTTP client for tests: JSON in and out, optional device credentials.
import { basicAuthorization, type Credentials } from "@parley/protocol";
import type { FetchFunction } from "./https-fetch.js";

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly credentials?: Credentials,
    /** The built-in fetch unless given (httpsFetch for a server with a test certificate). */
    private readonly fetchFunction: FetchFunction = fetch,
  ) {}

  as(credentials: Credentials): ApiClient {
    return new ApiClient(this.baseUrl, credentials, this.fetchFunction);
  }

  get<T = unknown>(path: string): Promise<ApiResponse<T>> {
    return this.call<T>("GET", path);
  }
  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.call<T>("POST", path, body);
  }
  put<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.call<T>("PUT", path, body);
  }
  delete<T = unknown>(path: string): Promise<ApiResponse<T>> {
    return this.call<T>("DELETE", path);
  }

  /** Sends raw bytes with the given content type. */
  async raw<T = unknown>(method: string, path: string, body: Uint8Array | string, contentType: string): Promise<ApiResponse<T>> {
    return this.fetch<T>(method, path, { "content-type": contentType }, body);
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    return this.fetch<T>(method, path, headers, body === undefined ? undefined : JSON.stringify(body));
  }

  private async fetch<T>(method: string, path: string, headers: Record<string, string>, body: Uint8Array | string | undefined): Promise<ApiResponse<T>> {
    if (this.credentials) {
      headers["authorization"] = basicAuthorization(this.credentials.accountId, this.credentials.deviceId, this.credentials.password);
    }
    const response = await this.fetchFunction(this.baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
  }
}
