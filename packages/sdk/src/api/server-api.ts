// The server's REST API, typed. Bodies and paths are those of docs/protocol.md; every non-2xx
// answer becomes an ApiRequestError carrying the server's error code.
import {
  contentTypes,
  encodeOutgoingMessages,
  type Credentials,
  type DeviceList,
  type Headers,
  type Identifier,
  type KeyCounts,
  type LinkDevice,
  type LinkToken,
  type OutgoingMessages,
  type PasskeyCreationOptions,
  type RegistrationResponseJson,
  type PreKeyBundles,
  type Register,
  type SendResult,
  type UploadKeys,
  type Verb,
  type VerificationSession,
} from "@parley/protocol";
import { ApiRequestError } from "../errors.js";
import { jsonBytes, parseJsonBytes } from "../util/bytes.js";
import type { AccountFactors, AddedPasskey, FactorRequirement, PendingSignIn, TotpEnrolment } from "../security/factor-types.js";
import type { ApiCaller } from "./api-caller.js";

/** The signed device list as the server stores it (fields base64). */
export interface SignedDeviceListBody {
  readonly version: number;
  readonly statement: string;
  readonly signature: string;
  readonly updatedAt?: number;
}

const jsonHeaders: Headers = { "content-type": contentTypes.json };

export class ServerApi {
  constructor(private readonly caller: ApiCaller) {}

  createVerificationSession(identifier: Identifier): Promise<VerificationSession> {
    return this.json("POST", "/v1/verification/sessions", { identifier });
  }

  submitVerificationCode(sessionId: string, code: string): Promise<VerificationSession> {
    return this.json("PUT", `/v1/verification/sessions/${encodeURIComponent(sessionId)}/code`, { code });
  }

  register(body: Register): Promise<Credentials> {
    return this.json("POST", "/v1/registration", body);
  }

  linkDevice(body: LinkDevice): Promise<Credentials> {
    return this.json("POST", "/v1/devices/link", body);
  }

  createLinkToken(): Promise<LinkToken> {
    return this.json("POST", "/v1/devices/link-tokens");
  }

  sendProvisioningMessage(address: string, body: string): Promise<void> {
    return this.json("PUT", `/v1/provisioning/${encodeURIComponent(address)}`, { body });
  }

  listDevices(): Promise<DeviceList> {
    return this.json("GET", "/v1/devices");
  }

  removeDevice(deviceId: number): Promise<void> {
    return this.json("DELETE", `/v1/devices/${deviceId}`);
  }

  putDeviceList(body: SignedDeviceListBody): Promise<void> {
    return this.json("PUT", "/v1/devices/list", body);
  }

  getDeviceList(accountId: string): Promise<SignedDeviceListBody> {
    return this.json("GET", `/v1/devices/${encodeURIComponent(accountId)}/list`);
  }

  me(): Promise<{ accountId: string; deviceId: number; identifier: Identifier }> {
    return this.json("GET", "/v1/accounts/me");
  }

  lookup(identifier: Identifier): Promise<{ accountId: string }> {
    return this.json("GET", `/v1/directory/${identifier.kind}/${encodeURIComponent(identifier.value)}`);
  }

  uploadKeys(body: UploadKeys): Promise<void> {
    return this.json("PUT", "/v1/keys", body);
  }

  keyCounts(): Promise<KeyCounts> {
    return this.json("GET", "/v1/keys");
  }

  /** `deviceId` "*" claims a bundle for every device of the account. */
  fetchBundles(accountId: string, deviceId: number | "*"): Promise<PreKeyBundles> {
    return this.json("GET", `/v1/keys/${encodeURIComponent(accountId)}/${deviceId}`);
  }

  async sendMessages(accountId: string, body: OutgoingMessages): Promise<SendResult> {
    const response = await this.caller.call("PUT", `/v1/messages/${encodeURIComponent(accountId)}`, encodeOutgoingMessages(body), {
      "content-type": contentTypes.protobuf,
    });
    return this.parse<SendResult>(response.status, response.headers, response.body);
  }

  // Second factors (docs/protocol.md, "Second factors").

  /** What registering with the verified session, or linking with the token, will require. */
  createFactorChallenge(subject: { sessionId: string } | { linkToken: string }): Promise<FactorRequirement & { challengeId: string }> {
    return this.json("POST", "/v1/auth/challenges", subject);
  }

  authFactors(): Promise<AccountFactors> {
    return this.json("GET", "/v1/auth/factors");
  }

  setPin(pin: string): Promise<void> {
    return this.json("PUT", "/v1/auth/pin", { pin });
  }

  removePin(): Promise<void> {
    return this.json("DELETE", "/v1/auth/pin");
  }

  beginTotpEnrolment(): Promise<TotpEnrolment> {
    return this.json("POST", "/v1/auth/totp");
  }

  confirmTotp(code: string): Promise<{ recoveryCodes: string[] }> {
    return this.json("PUT", "/v1/auth/totp", { code });
  }

  removeTotp(): Promise<void> {
    return this.json("DELETE", "/v1/auth/totp");
  }

  passkeyCreationOptions(): Promise<PasskeyCreationOptions> {
    return this.json("POST", "/v1/auth/passkeys/options");
  }

  addPasskey(name: string, response: RegistrationResponseJson): Promise<AddedPasskey> {
    return this.json("POST", "/v1/auth/passkeys", { name, response });
  }

  removePasskey(passkeyId: string): Promise<void> {
    return this.json("DELETE", `/v1/auth/passkeys/${encodeURIComponent(passkeyId)}`);
  }

  // Sign-ins to third-party apps (OpenID Connect), approved from a device.

  getSignIn(code: string): Promise<PendingSignIn> {
    return this.json("GET", `/v1/oidc/sign-ins/${encodeURIComponent(code)}`);
  }

  approveSignIn(code: string): Promise<void> {
    return this.json("POST", `/v1/oidc/sign-ins/${encodeURIComponent(code)}/approval`);
  }

  denySignIn(code: string): Promise<void> {
    return this.json("DELETE", `/v1/oidc/sign-ins/${encodeURIComponent(code)}`);
  }

  private async json<T>(verb: Verb, path: string, body?: unknown): Promise<T> {
    const response = await this.caller.call(verb, path, body === undefined ? undefined : jsonBytes(body), body === undefined ? {} : jsonHeaders);
    return this.parse<T>(response.status, response.headers, response.body);
  }

  private parse<T>(status: number, headers: Headers, body: Uint8Array): T {
    if (status >= 200 && status < 300) return (body.length === 0 ? undefined : parseJsonBytes<T>(body)) as T;
    let code = `HTTP_${status}`;
    let message = `the server answered ${status}`;
    let details: Record<string, unknown> | undefined;
    try {
      const error = parseJsonBytes<{ code?: unknown; message?: unknown; details?: unknown }>(body);
      if (typeof error.code === "string") code = error.code;
      if (typeof error.message === "string") message = error.message;
      if (typeof error.details === "object" && error.details !== null) details = error.details as Record<string, unknown>;
    } catch {
      // Not a JSON error body (a proxy's page, say): keep the generic code.
    }
    const retryAfter = headers["retry-after"] === undefined ? undefined : Number(headers["retry-after"]);
    throw new ApiRequestError(status, code, message, details, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
}
