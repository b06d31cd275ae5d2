// The new device's side of linking: open a provisioning socket, learn the address the server
// gives it, show a linking code (address + a fresh ephemeral public key), and wait for the
// primary's sealed provisioning message, which only the ephemeral private key opens.
import { CloseCode, provisioningAddressPath, provisioningMessagePath, provisioningSocketPath } from "@parley/protocol";
import { KeyPair, type RandomSource } from "@parley/signal";
import { ParleyError, SdkErrorCode } from "../errors.js";
import { formatLinkingCode } from "../linking/linking-code.js";
import { openProvisioningMessage } from "../linking/provisioning-cipher.js";
import type { ProvisioningPayload } from "../linking/provisioning-payload.js";
import { FrameChannel } from "../transport/frame-channel.js";
import type { WebSocketFactory } from "../transport/websocket-like.js";
import { parseJsonBytes } from "../util/bytes.js";

export interface ProvisioningOptions {
  readonly serverUrl: string;
  readonly webSocket: WebSocketFactory;
  readonly random: RandomSource;
  /** Called once with the code to show (as text or a QR code) on this device. */
  readonly onLinkingCode: (code: string) => void;
  readonly timeoutMs: number;
}

export function waitForProvisioning(options: ProvisioningOptions): Promise<ProvisioningPayload> {
  const ephemeral = KeyPair.generate(options.random);
  const url = options.serverUrl.replace(/^http/, "ws").replace(/\/$/, "") + provisioningSocketPath;
  return new Promise<ProvisioningPayload>((resolve, reject) => {
    let settled = false;
    const socket = options.webSocket(url, ["parley.v1"]);
    socket.binaryType = "arraybuffer";
    const finish = (error: unknown, payload?: ProvisioningPayload) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (payload) {
        // The server closes the socket once it has this device's answer; close it here only if
        // that does not happen soon.
        setTimeout(() => socket.close(1000, "provisioned"), 2000);
        resolve(payload);
        return;
      }
      socket.close(1000, "linking failed");
      reject(error instanceof ParleyError ? error : new ParleyError(SdkErrorCode.LinkFailed, "linking failed", { cause: error }));
    };
    const timer = setTimeout(() => finish(new ParleyError(SdkErrorCode.LinkFailed, "no provisioning message arrived in time")), options.timeoutMs);
    const channel = new FrameChannel(
      socket,
      async (request) => {
        if (request.verb === "PUT" && request.path === provisioningAddressPath) {
          const { address } = parseJsonBytes<{ address: string }>(request.body);
          options.onLinkingCode(formatLinkingCode({ address, publicKey: ephemeral.publicKey }));
          return { status: 200 };
        }
        if (request.verb === "PUT" && request.path === provisioningMessagePath) {
          try {
            finish(undefined, await openProvisioningMessage(request.body, ephemeral));
            return { status: 200 };
          } catch (error) {
            finish(new ParleyError(SdkErrorCode.LinkFailed, "the provisioning message does not open with this device's key", { cause: error }));
            return { status: 400 };
          }
        }
        return { status: 404 };
      },
      options.timeoutMs,
      (error) => finish(error),
    );
    socket.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer) channel.receive(new Uint8Array(event.data));
    };
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      channel.fail(new ParleyError(SdkErrorCode.ConnectionClosed, "provisioning socket closed"));
      if (event.code !== CloseCode.ServiceRestart) finish(new ParleyError(SdkErrorCode.LinkFailed, `the provisioning socket closed (${event.code}) before a message arrived`));
      else finish(new ParleyError(SdkErrorCode.LinkFailed, "the server restarted during linking; try again"));
    };
  });
}
