// Device passwords: 32 random bytes, shown to the device once. The store keeps HMAC-SHA256 of the
// password under a per-device salt. A slow hash is not needed: the secret has 256 bits of
// entropy, so the hash only has to be one-way, and it is checked on every request.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Random } from "../ports/random.js";

export interface PasswordHash {
  readonly hash: Uint8Array;
  readonly salt: Uint8Array;
}

export function generatePassword(random: Random): string {
  return Buffer.from(random.bytes(32)).toString("base64url");
}

export function hashPassword(password: string, salt: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", salt).update(password, "utf8").digest());
}

export function newPasswordHash(password: string, random: Random): PasswordHash {
  const salt = random.bytes(16);
  return { hash: hashPassword(password, salt), salt };
}

export function passwordMatches(password: string, stored: PasswordHash): boolean {
  const actual = hashPassword(password, stored.salt);
  return actual.length === stored.hash.length && timingSafeEqual(actual, stored.hash);
}

/** Hash of a single-use token (link tokens, verification codes with their session id as salt). */
export function hashToken(token: string, salt = ""): Uint8Array {
  return new Uint8Array(createHmac("sha256", salt).update(token, "utf8").digest());
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface BasicCredentials {
  readonly accountId: string;
  readonly deviceId: number;
  readonly password: string;
}

/** Parses "Basic base64(<accountId>.<deviceId>:<password>)"; undefined when malformed. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined {
  if (!header || header.length > 512) return undefined;
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!match?.[1]) return undefined;
  return parseLogin(Buffer.from(match[1], "base64").toString("utf8"));
}

/** Parses "<accountId>.<deviceId>:<password>". */
export function parseLogin(decoded: string): BasicCredentials | undefined {
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const login = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const dot = login.lastIndexOf(".");
  if (dot < 0 || password.length === 0) return undefined;
  const deviceId = Number(login.slice(dot + 1));
  if (!Number.isInteger(deviceId) || deviceId < 1 || deviceId > 127) return undefined;
  return { accountId: login.slice(0, dot), deviceId, password };
}
