// Provisioning sockets: a device being linked opens an unauthenticated socket and gets a random
// address; the primary device sends the sealed provisioning message (account identity, linking
// token) to that address, and the server hands it over without reading it. Addresses live only as
// long as their socket, on the node that holds it.
import type { Random } from "../ports/random.js";
import { ApiError, ErrorCode } from "./api-error.js";
import { randomToken } from "./ids.js";

export interface ProvisioningChannel {
  deliver(body: Uint8Array): Promise<void>;
}

export class ProvisioningService {
  private readonly channels = new Map<string, ProvisioningChannel>();

  constructor(private readonly random: Random) {}

  /** Registers a waiting socket; returns its address and a function that unregisters it. */
  open(channel: ProvisioningChannel): { address: string; close: () => void } {
    const address = randomToken(this.random, 18);
    this.channels.set(address, channel);
    return { address, close: () => this.channels.delete(address) };
  }

  async send(address: string, body: Uint8Array): Promise<void> {
    const channel = this.channels.get(address);
    if (!channel) throw new ApiError(ErrorCode.ProvisioningAddressNotFound, "no device is waiting at this provisioning address");
    await channel.deliver(body);
  }

  get size(): number {
    return this.channels.size;
  }
}
