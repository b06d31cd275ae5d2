// `npm run bench -- signal`: Parley's Signal Protocol package and libsignal-client side by side,
// in one process: session starts (bundle processing + first encrypt and decrypt), 1:1 messages
// of 1 KiB (encrypt + decrypt, one way and as alternating replies), Sender Key messages.
import { parseArgs } from "node:util";
import { CiphertextMessageType } from "../../packages/signal/src/session-cipher.js";
import { LibsignalParty, type RawBundle } from "../../packages/signal/test/support/libsignal-party.js";
import { Party } from "../../packages/signal/test/support/party.js";
import type { PreKeyBundle } from "../../packages/signal/src/prekey-bundle.js";
import { measureRate, printTable, type Rate } from "../measure.js";
import { groupBenchmarks } from "./signal-group.js";

const PAYLOAD = new Uint8Array(1024).fill(0x61);

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { seconds: { type: "string", default: "3" }, sessions: { type: "string", default: "300" } } });
  const seconds = Number(values.seconds);
  const sessions = Number(values.sessions);
  const results: Record<string, { parley: Rate; libsignal: Rate }> = {
    session_start: { parley: await parleySessionStarts(sessions), libsignal: await libsignalSessionStarts(sessions) },
    message_1k: { parley: await parleyMessages(seconds, false), libsignal: await libsignalMessages(seconds, false) },
    message_1k_replies: { parley: await parleyMessages(seconds, true), libsignal: await libsignalMessages(seconds, true) },
    ...(await groupBenchmarks(seconds)),
  };
  const rows = [["operation", "parley/s", "libsignal/s", "ratio"]];
  const figures: Record<string, number> = {};
  for (const [name, { parley, libsignal }] of Object.entries(results)) {
    const ratio = parley.perSecond / libsignal.perSecond;
    rows.push([name, parley.perSecond.toFixed(0), libsignal.perSecond.toFixed(0), ratio.toFixed(2)]);
    figures[`${name}_parley_per_s`] = Math.round(parley.perSecond);
    figures[`${name}_libsignal_per_s`] = Math.round(libsignal.perSecond);
    figures[`${name}_ratio`] = Number(ratio.toFixed(3));
  }
  console.log(`node ${process.version}, ${seconds}s per message figure, ${sessions} session starts`);
  printTable(rows);
  console.log(JSON.stringify({ scenario: "signal", ...figures }));
}

async function timeOnce(count: number, op: (i: number) => Promise<void>): Promise<Rate> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: count / seconds, operations: count, seconds };
}

async function parleySessionStarts(count: number): Promise<Rate> {
  const bob = new Party("bob");
  const bundles: PreKeyBundle[] = [];
  const alices: Party[] = [];
  for (let i = 0; i < count; i++) {
    bundles.push(await bob.bundle());
    alices.push(new Party(`alice${i}`));
  }
  return timeOnce(count, async (i) => {
    const alice = alices[i]!;
    await alice.startSession(bob, bundles[i]);
    await bob.decryptBytes(alice, await alice.encrypt(bob, PAYLOAD));
  });
}

async function libsignalSessionStarts(count: number): Promise<Rate> {
  const bob = new LibsignalParty("bob");
  const bundles: RawBundle[] = [];
  const alices: LibsignalParty[] = [];
  for (let i = 0; i < count; i++) {
    bundles.push(await bob.bundle());
    alices.push(new LibsignalParty(`alice${i}`));
  }
  return timeOnce(count, async (i) => {
    const alice = alices[i]!;
    await alice.processBundle(bob.address, bundles[i]!);
    await bob.decrypt(alice.address, await alice.encrypt(bob.address, PAYLOAD));
  });
}

async function parleyMessages(seconds: number, replies: boolean): Promise<Rate> {
  const alice = new Party("alice");
  const bob = new Party("bob");
  await alice.startSession(bob);
  await bob.decryptBytes(alice, await alice.encrypt(bob, PAYLOAD));
  await alice.decryptBytes(bob, await bob.encrypt(alice, PAYLOAD));
  let turn = 0;
  return measureRate(async () => {
    const [from, to] = replies && turn++ % 2 === 1 ? [bob, alice] : [alice, bob];
    const message = await from.encrypt(to, PAYLOAD);
    if (message.type !== CiphertextMessageType.Whisper) throw new Error("expected a Whisper message");
    await to.decryptBytes(from, message);
  }, 1, seconds);
}

async function libsignalMessages(seconds: number, replies: boolean): Promise<Rate> {
  const alice = new LibsignalParty("alice");
  const bob = new LibsignalParty("bob");
  await alice.processBundle(bob.address, await bob.bundle());
  await bob.decrypt(alice.address, await alice.encrypt(bob.address, PAYLOAD));
  await alice.decrypt(bob.address, await bob.encrypt(alice.address, PAYLOAD));
  let turn = 0;
  return measureRate(async () => {
    const [from, to] = replies && turn++ % 2 === 1 ? [bob, alice] : [alice, bob];
    await to.decrypt(from.address, await from.encrypt(to.address, PAYLOAD));
  }, 1, seconds);
}
