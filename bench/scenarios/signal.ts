// `npm run bench -- signal`: Parley's Signal Protocol package and libsignal-client side by side,
// in one process: session starts (bundle processing + first encrypt and decrypt), 1:1 messages
// of 1 KiB (encrypt + decrypt, one way and as alternating replies), Sender Key messages. Each
// figure is the median of several rounds in which the two implementations take turns. Parley
// runs on the crypto backend --backend names (node by default).
import { parseArgs } from "node:util";
import { useCryptoBackend, webCryptoBackend } from "../../packages/signal/src/backend.js";
import { nodeCryptoBackend } from "../../packages/signal-node/src/index.js";
import { CiphertextMessageType } from "../../packages/signal/src/session-cipher.js";
import { LibsignalParty, type RawBundle } from "../../packages/signal/test/support/libsignal-party.js";
import { Party } from "../../packages/signal/test/support/party.js";
import type { PreKeyBundle } from "../../packages/signal/src/prekey-bundle.js";
import { compareInRounds, measureRate, printTable, summarize, warmupFor, type Comparison, type Measure, type Rate } from "../measure.js";
import { groupBenchmark } from "./signal-group.js";

const PAYLOAD = new Uint8Array(1024).fill(0x61);

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: "string", default: "3" },
      sessions: { type: "string", default: "300" },
      rounds: { type: "string", default: "5" },
      only: { type: "string" },
      // Parley's crypto backend: "node" (node:crypto, what Parley uses on Node) or "webcrypto"
      // (the isomorphic default that browsers use).
      backend: { type: "string", default: "node" },
    },
  });
  const backends = { node: nodeCryptoBackend, webcrypto: webCryptoBackend };
  const backend = backends[values.backend as keyof typeof backends];
  if (!backend) throw new Error(`unknown backend ${values.backend}; known: ${Object.keys(backends).join(", ")}`);
  useCryptoBackend(backend);
  const seconds = Number(values.seconds);
  const sessions = Number(values.sessions);
  const rounds = Math.max(1, Math.floor(Number(values.rounds)));
  const secondsPerRound = seconds / rounds;
  const sessionsPerRound = Math.max(1, Math.round(sessions / rounds));
  const operations: Record<string, () => Promise<Comparison>> = {
    session_start: async () => compareInRounds(rounds, await parleySessionStarts(sessionsPerRound, rounds), await libsignalSessionStarts(sessionsPerRound, rounds)),
    message_1k: async () => compareInRounds(rounds, await parleyMessages(secondsPerRound, false), await libsignalMessages(secondsPerRound, false)),
    message_1k_replies: async () => compareInRounds(rounds, await parleyMessages(secondsPerRound, true), await libsignalMessages(secondsPerRound, true)),
    sender_key_1k: () => groupBenchmark(rounds, secondsPerRound),
  };
  // --only a,b measures a subset of the operations (for comparing trees quickly).
  const selected = values.only?.split(",") ?? Object.keys(operations);
  const results: Record<string, Comparison> = {};
  for (const name of selected) {
    const measure = operations[name];
    if (!measure) throw new Error(`unknown operation ${name}; known: ${Object.keys(operations).join(", ")}`);
    results[name] = await measure();
  }
  const rows = [["operation", "parley/s", "libsignal/s", "ratio", "ratio range"]];
  const figures: Record<string, number> = {};
  for (const [name, comparison] of Object.entries(results)) {
    const { parley, libsignal, ratio, minRatio, maxRatio } = summarize(comparison);
    rows.push([name, parley.toFixed(0), libsignal.toFixed(0), ratio.toFixed(2), `${minRatio.toFixed(2)}–${maxRatio.toFixed(2)}`]);
    figures[`${name}_parley_per_s`] = Math.round(parley);
    figures[`${name}_libsignal_per_s`] = Math.round(libsignal);
    figures[`${name}_ratio`] = Number(ratio.toFixed(3));
  }
  console.log(`node ${process.version}, parley on the ${backend.name} backend, medians of ${rounds} interleaved rounds, ${seconds}s per message figure, ${sessionsPerRound * rounds} session starts`);
  printTable(rows);
  console.log(JSON.stringify({ scenario: "signal", backend: backend.name, rounds, ...figures }));
}

/** Session starts run untimed before the first round, so that it does not time the JIT's warm-up. */
const WARMUP_STARTS = 20;

/** Hands out `perRound` prepared items per call, in order, after WARMUP_STARTS untimed ones. */
function timeRounds<T>(items: T[], perRound: number, op: (item: T) => Promise<void>): Measure {
  let next = 0;
  return async () => {
    for (; next < WARMUP_STARTS; next++) await op(items[next]!);
    const batch = items.slice(next, next + perRound);
    next += perRound;
    return timeOnce(batch.length, (i) => op(batch[i]!));
  };
}

async function timeOnce(count: number, op: (i: number) => Promise<void>): Promise<Rate> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: count / seconds, operations: count, seconds };
}

/** Bundles and identities are made before the timing, for all rounds. */
async function parleySessionStarts(perRound: number, rounds: number): Promise<Measure> {
  const bob = new Party("bob");
  const starts: { alice: Party; bundle: PreKeyBundle }[] = [];
  for (let i = 0; i < WARMUP_STARTS + perRound * rounds; i++) starts.push({ alice: new Party(`alice${i}`), bundle: await bob.bundle() });
  return timeRounds(starts, perRound, async ({ alice, bundle }) => {
    await alice.startSession(bob, bundle);
    await bob.decryptBytes(alice, await alice.encrypt(bob, PAYLOAD));
  });
}

async function libsignalSessionStarts(perRound: number, rounds: number): Promise<Measure> {
  const bob = new LibsignalParty("bob");
  const starts: { alice: LibsignalParty; bundle: RawBundle }[] = [];
  for (let i = 0; i < WARMUP_STARTS + perRound * rounds; i++) starts.push({ alice: new LibsignalParty(`alice${i}`), bundle: await bob.bundle() });
  return timeRounds(starts, perRound, async ({ alice, bundle }) => {
    await alice.processBundle(bob.address, bundle);
    await bob.decrypt(alice.address, await alice.encrypt(bob.address, PAYLOAD));
  });
}

async function parleyMessages(seconds: number, replies: boolean): Promise<Measure> {
  const alice = new Party("alice");
  const bob = new Party("bob");
  await alice.startSession(bob);
  await bob.decryptBytes(alice, await alice.encrypt(bob, PAYLOAD));
  await alice.decryptBytes(bob, await bob.encrypt(alice, PAYLOAD));
  let turn = 0;
  const op = async () => {
    const [from, to] = replies && turn++ % 2 === 1 ? [bob, alice] : [alice, bob];
    const message = await from.encrypt(to, PAYLOAD);
    if (message.type !== CiphertextMessageType.Whisper) throw new Error("expected a Whisper message");
    await to.decryptBytes(from, message);
  };
  return (round) => measureRate(op, 1, seconds, warmupFor(round));
}

async function libsignalMessages(seconds: number, replies: boolean): Promise<Measure> {
  const alice = new LibsignalParty("alice");
  const bob = new LibsignalParty("bob");
  await alice.processBundle(bob.address, await bob.bundle());
  await bob.decrypt(alice.address, await alice.encrypt(bob.address, PAYLOAD));
  await alice.decrypt(bob.address, await bob.encrypt(alice.address, PAYLOAD));
  let turn = 0;
  const op = async () => {
    const [from, to] = replies && turn++ % 2 === 1 ? [bob, alice] : [alice, bob];
    await to.decrypt(from.address, await from.encrypt(to.address, PAYLOAD));
  };
  return (round) => measureRate(op, 1, seconds, warmupFor(round));
}
