import { accountIdPattern, schemas } from "@parley/protocol";
import Type from "typebox";
import { ApiError, ErrorCode } from "../domain/api-error.js";


export function accountIdParam(params: Readonly<Record<string, string>>): string {
  const value = params["accountId"] ?? "";
  if (!accountIdPattern.test(value)) throw new ApiError(ErrorCode.InvalidRequest, "accountId must be a lower-case UUID");
  return value;
}

export function deviceIdParam(params: Readonly<Record<string, string>>, allowAll: boolean): number | "*" {
  const value = params["deviceId"] ?? "";
  if (allowAll && value === "*") return "*";
  const id = /^[0-9]{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(id >= 1 && id <= 127)) throw new ApiError(ErrorCode.InvalidRequest, "deviceId must be 1 to 127" + (allowAll ? " or *" : ""));
  return id;
}

export function stringParam(params: Readonly<Record<string, string>>, name: string, maxLength = 128): string {
  const value = params[name] ?? "";
  if (value.length === 0 || value.length > maxLength) throw new ApiError(ErrorCode.InvalidRequest, `${name} is missing or too long`);
  return value;
}

export const AccountParams = Type.Object({ accountId: schemas.AccountId });
export const DeviceParams = Type.Object({ deviceId: Type.String({ pattern: "^[0-9]{1,3}$" }) });
export const AccountDeviceParams = Type.Object({
  accountId: schemas.AccountId,
  deviceId: Type.String({ pattern: "^([0-9]{1,3}|\\*)$", description: "A device id, or * for every device." }),
});
