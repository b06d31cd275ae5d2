// Sender Key figures for `npm run bench -- signal`: one group message of 1 KiB, encrypted by the
// sender and decrypted by one member, per operation.
import * as ls from "@signalapp/libsignal-client";
import { ProtocolAddress } from "../../packages/signal/src/address.js";
import { createSenderKeyDistributionMessage, groupDecrypt, groupEncrypt, processSenderKeyDistributionMessage } from "../../packages/signal/src/group-cipher.js";
import { InMemorySenderKeyStore } from "../../packages/signal/src/memory-sender-key-store.js";
import { secureRandom } from "../../packages/signal/src/random.js";
import { LibsignalSenderKeyStore } from "../../packages/signal/test/support/libsignal-sender-key-store.js";
import { compareInRounds, measureRate, warmupFor, type Comparison, type Measure } from "../measure.js";

const PAYLOAD = new Uint8Array(1024).fill(0x62);
const DISTRIBUTION = "6f2c1a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

/** `sender_key_1k`, measured in interleaved rounds. */
export async function groupBenchmark(rounds: number, seconds: number): Promise<Comparison> {
  return compareInRounds(rounds, await parleyGroup(seconds), await libsignalGroup(seconds));
}

async function parleyGroup(seconds: number): Promise<Measure> {
  const sender = new ProtocolAddress("sender", 1);
  const senderStore = new InMemorySenderKeyStore();
  const memberStore = new InMemorySenderKeyStore();
  await processSenderKeyDistributionMessage(sender, await createSenderKeyDistributionMessage(sender, DISTRIBUTION, senderStore, secureRandom), memberStore);
  const op = async () => {
    await groupDecrypt(sender, memberStore, await groupEncrypt(sender, DISTRIBUTION, senderStore, PAYLOAD, secureRandom));
  };
  return (round) => measureRate(op, 1, seconds, warmupFor(round));
}

async function libsignalGroup(seconds: number): Promise<Measure> {
  const sender = ls.ProtocolAddress.new("sender", 1);
  const senderStore = new LibsignalSenderKeyStore();
  const memberStore = new LibsignalSenderKeyStore();
  await ls.processSenderKeyDistributionMessage(sender, await ls.SenderKeyDistributionMessage.create(sender, DISTRIBUTION, senderStore), memberStore);
  const payload = new Uint8Array(PAYLOAD) as Uint8Array<ArrayBuffer>;
  const op = async () => {
    const message = await ls.groupEncrypt(sender, DISTRIBUTION, senderStore, payload);
    await ls.groupDecrypt(sender, memberStore, message.serialize());
  };
  return (round) => measureRate(op, 1, seconds, warmupFor(round));
}
