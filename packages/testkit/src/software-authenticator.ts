// A software WebAuthn authenticator for tests: what a browser and a platform authenticator
// together return from navigator.credentials.create() and .get(), serialized as
// PublicKeyCredential.toJSON() does. ES256 (P-256) keys from node:crypto, "none" attestation,
// flags UP and UV (and AT when creating), a signature counter that grows with every assertion.
// CBOR is encoded with @simplewebauthn/server's own helper, so nothing here parses CBOR by hand.
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;
/** COSE: kty EC2, alg ES256 (-7), crv P-256. */
const COSE_KTY = 1;
const COSE_ALG = 3;
const COSE_CRV = -1;
const COSE_X = -2;
const COSE_Y = -3;

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

interface Credential {
  readonly id: Uint8Array;
  readonly privateKey: KeyObject;
  readonly cose: Uint8Array;
  counter: number;
}

/** Deviations from an honest ceremony, to test that the server refuses them. */
export interface AssertionTampering {
  /** Sign over a different challenge than the one asked for. */
  readonly challenge?: string;
  /** Claim a different origin in clientDataJSON. */
  readonly origin?: string;
  /** Hash a different RP id into authenticatorData. */
  readonly rpId?: string;
  /** Flip a bit of the signature. */
  readonly corruptSignature?: boolean;
  /** Report this counter instead of the next one. */
  readonly counter?: number;
}

export interface SoftwareAuthenticatorOptions {
  /** The origin the "browser" runs on, put into clientDataJSON. */
  readonly origin: string;
}

/** The JSON of navigator.credentials.create(), as the server receives it. */
export interface SoftwareRegistrationResponse {
  readonly id: string;
  readonly rawId: string;
  readonly type: "public-key";
  readonly clientExtensionResults: Record<string, never>;
  readonly response: { readonly clientDataJSON: string; readonly attestationObject: string; readonly transports: string[] };
}

/** The JSON of navigator.credentials.get(), as the server receives it. */
export interface SoftwareAuthenticationResponse {
  readonly id: string;
  readonly rawId: string;
  readonly type: "public-key";
  readonly clientExtensionResults: Record<string, never>;
  readonly response: { readonly clientDataJSON: string; readonly authenticatorData: string; readonly signature: string };
}

export class SoftwareAuthenticator {
  readonly #credentials = new Map<string, Credential>();

  constructor(private readonly options: SoftwareAuthenticatorOptions) {}

  /** Creates a credential for creation options (their `challenge` and `rp.id`). */
  create(options: { readonly challenge: string; readonly rp: { readonly id?: string } }): SoftwareRegistrationResponse {
    const rpId = options.rp.id ?? new URL(this.options.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [COSE_KTY, 2],
        [COSE_ALG, -7],
        [COSE_CRV, 1],
        [COSE_X, new Uint8Array(Buffer.from(jwk.x ?? "", "base64url"))],
        [COSE_Y, new Uint8Array(Buffer.from(jwk.y ?? "", "base64url"))],
      ]),
    );
    const id = new Uint8Array(createHash("sha256").update(cose).digest().subarray(0, 16));
    const credential: Credential = { id, privateKey, cose, counter: 0 };
    this.#credentials.set(b64url(id), credential);
    const idLength = new Uint8Array([id.length >> 8, id.length & 0xff]);
    const attested = concat(new Uint8Array(16), idLength, id, cose);
    const authData = concat(sha256(rpId), new Uint8Array([FLAG_UP | FLAG_UV | FLAG_AT]), uint32(0), attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, never>>([
        ["fmt", "none"],
        ["attStmt", new Map<string, never>()],
        ["authData", authData],
      ]),
    );
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: "public-key",
      clientExtensionResults: {},
      response: {
        clientDataJSON: this.#clientData("webauthn.create", options.challenge, this.options.origin),
        attestationObject: b64url(attestationObject),
        transports: ["internal"],
      },
    };
  }

  /**
   * Asserts with a credential this authenticator created: the first of `allowCredentials` it
   * holds, or `credentialId`.
   */
  get(
    options: { readonly challenge: string; readonly rpId?: string; readonly allowCredentials?: readonly { readonly id: string }[] },
    tampering: AssertionTampering = {},
    credentialId?: string,
  ): SoftwareAuthenticationResponse {
    const id = credentialId ?? options.allowCredentials?.map((c) => c.id).find((candidate) => this.#credentials.has(candidate));
    const credential = id === undefined ? undefined : this.#credentials.get(id);
    if (id === undefined || credential === undefined) throw new Error("no credential of this authenticator is allowed");
    credential.counter += 1;
    const rpId = tampering.rpId ?? options.rpId ?? new URL(this.options.origin).hostname;
    const authData = concat(sha256(rpId), new Uint8Array([FLAG_UP | FLAG_UV]), uint32(tampering.counter ?? credential.counter));
    const clientDataJSON = this.#clientData("webauthn.get", tampering.challenge ?? options.challenge, tampering.origin ?? this.options.origin);
    const signed = concat(authData, sha256(Buffer.from(clientDataJSON, "base64url")));
    const signature = new Uint8Array(sign("sha256", signed, credential.privateKey));
    if (tampering.corruptSignature) signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
    return {
      id,
      rawId: id,
      type: "public-key",
      clientExtensionResults: {},
      response: { clientDataJSON, authenticatorData: b64url(authData), signature: b64url(signature) },
    };
  }

  #clientData(type: string, challenge: string, origin: string): string {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })).toString("base64url");
  }
}
