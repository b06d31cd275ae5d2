// A provisioning socket: tells the waiting device its address, then hands over the one sealed
// message the primary sends to it, and closes.
import { contentTypes, provisioningAddressPath, provisioningMessagePath } from "@parley/protocol";
import type { WebSocket } from "ws";
import type { ProvisioningService } from "../domain/provisioning-service.js";
import { FrameSocket, type FrameSocketBounds } from "./frame-socket.js";

/** `bounds`: as for device sockets (a client that sends requests here and never reads is dropped). */
export function openProvisioningSocket(
  ws: WebSocket,
  options: { readonly provisioning: ProvisioningService; readonly now: () => number; readonly provisioningTimeoutMs: number },
  bounds?: FrameSocketBounds,
): void {
  let unregister = () => {};
  const socket = new FrameSocket(
    ws,
    async () => ({ status: 404, body: new Uint8Array(0) }),
    options.now,
    () => {
      clearTimeout(timeout);
      unregister();
    },
    undefined,
    bounds,
  );
  const timeout = setTimeout(() => socket.close(1000, "provisioning timed out"), options.provisioningTimeoutMs);
  timeout.unref();
  const { address, close } = options.provisioning.open({
    deliver: async (body) => {
      close();
      const answered = socket.request("PUT", provisioningMessagePath, body, { "content-type": contentTypes.protobuf });
      void answered.then(
        () => socket.close(1000, "provisioned"),
        () => undefined,
      );
    },
  });
  unregister = close;
  const body = new Uint8Array(Buffer.from(JSON.stringify({ address })));
  socket.request("PUT", provisioningAddressPath, body, { "content-type": contentTypes.json }).catch(() => undefined);
}
