/** One device of one account: where envelopes are addressed and queued. */
export interface DeviceAddress {
  readonly accountId: string;
  readonly deviceId: number;
}

/** A stable string key for maps: "<accountId>.<deviceId>". */
export function addressKey(address: DeviceAddress): string {
  return `${address.accountId}.${address.deviceId}`;
}
