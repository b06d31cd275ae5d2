// The API: every route once, for both transports. Paths and bodies are documented in
// docs/protocol.md and the generated OpenAPI document.
import {
  decodeOutgoingMessages,
  schemas,
  TooManyMessagesError,
  type CreateVerificationSession,
  type LinkDevice,
  type ProvisioningMessage,
  type Register,
  type SendMessages,
  type SubmitVerificationCode,
  type UploadDeviceList,
  type UploadKeys,
} from "@parley/protocol";
import Type from "typebox";
import { ApiError, ErrorCode } from "../domain/api-error.js";
import type { DeviceAuth } from "../domain/authenticator.js";
import { decodeBase64 } from "../domain/base64.js";
import type { SendRequest } from "../domain/message-service.js";
import { oidcRoutes } from "./oidc-routes.js";
import { authFactorRoutes } from "./auth-factor-routes.js";
import { AccountDeviceParams, AccountParams, DeviceParams, accountIdParam, deviceIdParam, stringParam } from "./params.js";
import type { Route, RouteRequest } from "./route.js";
import type { Services } from "./services.js";

const error = schemas.ErrorResponse;
const SessionParams = Type.Object({ sessionId: Type.String() });
const AddressParams = Type.Object({ address: Type.String() });

function authOf(request: RouteRequest): DeviceAuth {
  if (!request.auth) throw new ApiError(ErrorCode.Unauthorized, "missing or invalid device credentials");
  return request.auth;
}

export function buildRoutes(services: Services): Route[] {
  const { registration, devices, keys, messages, provisioning, settings } = services;
  return [
    {
      method: "GET",
      url: "/healthz",
      summary: "Liveness: the process is up.",
      tag: "operations",
      auth: "none",
      responses: { 200: schemas.Health },
      handle: async () => ({ status: 200, body: { status: "ok" } }),
    },
    {
      method: "GET",
      url: "/readyz",
      summary: "Readiness: the storage answers and the server is not draining.",
      tag: "operations",
      auth: "none",
      responses: { 200: schemas.Health, 503: schemas.Health },
      handle: async () => {
        const ready = await services.ready().catch(() => false);
        return { status: ready ? 200 : 503, body: { status: ready ? "ready" : "unavailable" } };
      },
    },
    {
      method: "POST",
      url: "/v1/verification/sessions",
      summary: "Start a verification session: a code is sent to the phone number or username owner.",
      tag: "registration",
      auth: "none",
      body: schemas.CreateVerificationSession,
      responses: { 201: schemas.VerificationSession, 422: error, 502: error },
      handle: async (r) => ({ status: 201, body: await registration.createSession(r.body as CreateVerificationSession) }),
    },
    {
      method: "GET",
      url: "/v1/verification/sessions/:sessionId",
      summary: "Read a verification session's state.",
      tag: "registration",
      auth: "none",
      params: SessionParams,
      responses: { 200: schemas.VerificationSession, 404: error },
      handle: async (r) => ({ status: 200, body: await registration.getSession(stringParam(r.params, "sessionId")) }),
    },
    {
      method: "PUT",
      url: "/v1/verification/sessions/:sessionId/code",
      summary: "Submit the verification code. Every submission counts toward the attempt limit.",
      tag: "registration",
      auth: "none",
      params: SessionParams,
      body: schemas.SubmitVerificationCode,
      responses: { 200: schemas.VerificationSession, 403: error, 404: error, 410: error, 429: error },
      handle: async (r) => ({
        status: 200,
        body: await registration.submitCode(stringParam(r.params, "sessionId"), r.body as SubmitVerificationCode),
      }),
    },
    {
      method: "POST",
      url: "/v1/registration",
      summary: "Register (or re-register) the account of a verified session; creates the primary device.",
      tag: "registration",
      auth: "none",
      body: schemas.Register,
      responses: { 200: schemas.Credentials, 403: error, 404: error, 422: error, 423: error, 429: error },
      handle: async (r) => ({ status: 200, body: await registration.register(r.body as Register) }),
    },
    {
      method: "GET",
      url: "/v1/devices",
      summary: "List the account's devices.",
      tag: "devices",
      auth: "device",
      responses: { 200: schemas.DeviceList, 401: error },
      handle: async (r) => ({ status: 200, body: await devices.list(authOf(r)) }),
    },
    {
      method: "DELETE",
      url: "/v1/devices/:deviceId",
      summary: "Remove a linked device (the primary removes any; a linked device removes itself).",
      tag: "devices",
      auth: "device",
      params: DeviceParams,
      responses: { 204: null, 403: error, 404: error },
      handle: async (r) => {
        await devices.remove(authOf(r), deviceIdParam(r.params, false) as number);
        return { status: 204 };
      },
    },
    {
      method: "POST",
      url: "/v1/devices/link-tokens",
      summary: "Create a short-lived, single-use token for linking a new device (primary only).",
      tag: "devices",
      auth: "device",
      responses: { 201: schemas.LinkToken, 403: error },
      handle: async (r) => ({ status: 201, body: await devices.createLinkToken(authOf(r)) }),
    },
    {
      method: "POST",
      url: "/v1/devices/link",
      summary: "Link a new device with a token from the primary; returns the new device's credentials.",
      tag: "devices",
      auth: "none",
      body: schemas.LinkDevice,
      responses: { 200: schemas.Credentials, 403: error, 404: error, 409: error, 422: error, 423: error, 429: error },
      handle: async (r) => ({ status: 200, body: await devices.link(r.body as LinkDevice) }),
    },
    {
      method: "PUT",
      url: "/v1/devices/list",
      summary: "Publish the account's signed device list (primary only); the version must exceed the stored one.",
      tag: "devices",
      auth: "device",
      body: schemas.UploadDeviceList,
      responses: { 204: null, 403: error, 409: error, 422: error },
      handle: async (r) => {
        await devices.putList(authOf(r), r.body as UploadDeviceList);
        return { status: 204 };
      },
    },
    {
      method: "GET",
      url: "/v1/devices/:accountId/list",
      summary: "Fetch an account's signed device list, to check which devices its owner vouches for.",
      tag: "devices",
      auth: "device",
      params: AccountParams,
      responses: { 200: schemas.SignedDeviceList, 404: error },
      handle: async (r) => {
        authOf(r);
        return { status: 200, body: await devices.getList(accountIdParam(r.params)) };
      },
    },
    {
      method: "PUT",
      url: "/v1/provisioning/:address",
      summary: "Hand a sealed provisioning message to a device waiting on a provisioning socket.",
      tag: "devices",
      auth: "device",
      params: AddressParams,
      body: schemas.ProvisioningMessage,
      responses: { 204: null, 404: error },
      handle: async (r) => {
        authOf(r);
        const body = decodeBase64((r.body as ProvisioningMessage).body, "body");
        await provisioning.send(stringParam(r.params, "address"), body);
        return { status: 204 };
      },
    },
    {
      method: "GET",
      url: "/v1/accounts/me",
      summary: "The authenticated device's account.",
      tag: "accounts",
      auth: "device",
      responses: { 200: schemas.Account },
      handle: async (r) => ({ status: 200, body: await services.accounts.whoAmI(authOf(r)) }),
    },
    {
      method: "GET",
      url: "/v1/directory/:kind/:identifier",
      summary: "Find the account registered under a phone number or username.",
      tag: "accounts",
      auth: "device",
      params: Type.Object({ kind: Type.Union([Type.Literal("phone"), Type.Literal("username")]), identifier: Type.String() }),
      responses: { 200: schemas.DirectoryEntry, 404: error, 422: error },
      handle: async (r) => {
        authOf(r);
        const kind = r.params["kind"];
        if (kind !== "phone" && kind !== "username") throw new ApiError(ErrorCode.RouteNotFound, "no such route");
        const body = await services.accounts.lookup({ kind, value: stringParam(r.params, "identifier", 64) });
        return { status: 200, body };
      },
    },
    {
      method: "PUT",
      url: "/v1/keys",
      summary: "Upload prekeys: signed prekey, last-resort Kyber key, one-time EC and Kyber prekeys.",
      tag: "keys",
      auth: "device",
      body: schemas.UploadKeys,
      responses: { 204: null, 413: error, 422: error },
      handle: async (r) => {
        await keys.upload(authOf(r), r.body as UploadKeys);
        return { status: 204 };
      },
    },
    {
      method: "GET",
      url: "/v1/keys",
      summary: "How many one-time prekeys of each kind the device has left.",
      tag: "keys",
      auth: "device",
      responses: { 200: schemas.KeyCounts },
      handle: async (r) => ({ status: 200, body: await keys.counts(authOf(r)) }),
    },
    {
      method: "GET",
      url: "/v1/keys/:accountId/:deviceId",
      summary: "Fetch prekey bundles, claiming one one-time key of each kind per device.",
      tag: "keys",
      auth: "device",
      params: AccountDeviceParams,
      responses: { 200: schemas.PreKeyBundles, 404: error },
      handle: async (r) => {
        authOf(r);
        return { status: 200, body: await keys.fetchBundles(accountIdParam(r.params), deviceIdParam(r.params, true)) };
      },
    },
    {
      method: "PUT",
      url: "/v1/messages/:accountId",
      summary:
        "Send one sealed envelope per device of the recipient (JSON, or application/x-protobuf OutgoingMessages). " +
        "Answers only when every envelope is durable.",
      tag: "messages",
      auth: "device",
      params: AccountParams,
      body: schemas.SendMessages,
      protobufBody: true,
      responses: { 200: schemas.SendResult, 404: error, 409: error, 410: error, 413: error },
      handle: async (r) => {
        const request = r.binaryBody ? fromProtobuf(r.binaryBody, settings.messages.maxEnvelopesPerRequest) : fromJson(r.body as SendMessages);
        return { status: 200, body: await messages.send(authOf(r), accountIdParam(r.params), request) };
      },
    },
    ...oidcRoutes(services.oidcSignIns),
    ...authFactorRoutes(services),
  ];
}

function fromJson(body: SendMessages): SendRequest {
  return {
    timestamp: body.timestamp,
    ephemeral: body.ephemeral ?? false,
    urgent: body.urgent ?? false,
    messages: body.messages.map((m, i) => ({
      deviceId: m.deviceId,
      registrationId: m.registrationId,
      type: m.type,
      content: decodeBase64(m.content, `messages[${i}].content`),
    })),
  };
}

function fromProtobuf(bytes: Uint8Array, maxMessages: number): SendRequest {
  try {
    // Views, not copies: each content is copied once, into its envelope, before the request ends.
    return decodeOutgoingMessages(bytes, maxMessages, { views: true });
  } catch (cause) {
    if (cause instanceof TooManyMessagesError) {
      throw new ApiError(ErrorCode.TooManyItems, `at most ${maxMessages} envelopes per request`, { limit: maxMessages });
    }
    throw new ApiError(ErrorCode.InvalidRequest, "the body is not a valid OutgoingMessages message");
  }
}
