// `parley chat <contact>`: an interactive conversation. Shows recent history with delivery marks,
// then live messages, edits, deletions, reactions and typing; sends each line read from stdin
// (a terminal or a pipe); marks incoming messages read as they are shown. /quit or the end of
// input leaves, after sending what is still queued.
import { clearLine, cursorTo } from "node:readline";
import type { MessageRecord, ParleyClient } from "@parley/sdk";
import type { ClientCommand } from "../client/client-command.js";
import { CliError, CliErrorCode } from "../client/cli-error.js";
import { ContactBook } from "../client/contact-book.js";
import { drainOutbox, stillQueuedNotice } from "../client/delivery.js";
import { describeUpdate, formatMessage, messageJson } from "../client/message-format.js";

export interface ChatFlags {
  readonly history: string;
}

/** A typing indicator stops this long after the last key press. */
const typingIdleMs = 5_000;
/** How long leaving waits for queued messages to go out. */
const leaveDrainMs = 10_000;

const help = [
  "Type a line and press Enter to send it. Commands:",
  "  /edit <text>    edit your last message",
  "  /delete         delete your last message for everyone",
  "  /react <emoji>  react to their last message",
  "  /quit           leave (so does Ctrl-D)",
];

export async function chat(context: ClientCommand, contact: string, flags: ChatFlags): Promise<void> {
  const limit = Number(flags.history);
  if (!Number.isInteger(limit) || limit < 0 || limit > 10_000) throw new CliError(CliErrorCode.Usage, "--history takes a number of messages from 0 to 10000");
  const client = await context.openClient();
  const book = await ContactBook.load(client);
  const peer = await book.resolve(contact);
  const name = book.name(peer);
  const { out, terminal } = context;
  const interactive = terminal.interactive && !out.json;
  const colour = interactive && process.stdout.isTTY === true && !process.env["NO_COLOR"];
  let lastOwn: string | undefined;
  let lastTheirs: MessageRecord | undefined;

  /** Prints above the line being typed, then shows the prompt and the typed text again. */
  const show = (text: string, value: unknown) => {
    if (interactive) {
      clearLine(process.stderr, 0);
      cursorTo(process.stderr, 0);
    }
    void out.result(text, value);
    if (interactive) terminal.refreshPrompt();
  };
  const remember = (message: MessageRecord) => {
    if (message.direction === "out") lastOwn = message.messageId;
    else lastTheirs = message;
  };

  const history = await client.history(peer, limit);
  out.progress(`Chat with ${name}${interactive ? " (/help for commands, /quit or Ctrl-D to leave)" : ""}`);
  for (const message of history) {
    remember(message);
    show(formatMessage(message, book, { colour }), { event: "history", message: messageJson(message, book) });
  }
  await client.markRead(peer, history.filter((m) => m.direction === "in" && m.status === "received").map((m) => m.messageId));

  client.events.on("message", ({ message }) => {
    if (message.conversation !== peer) return;
    remember(message);
    // What is typed here is already on the screen; print only what others (or other devices) sent.
    if (message.direction === "out" && message.authorDevice === client.deviceId && interactive) return;
    show(formatMessage(message, book, { colour }), { event: "message", message: messageJson(message, book) });
    if (message.direction === "in") void client.markRead(peer, [message.messageId]).catch(() => undefined);
  });
  client.events.on("message-updated", ({ message, change }) => {
    if (message.conversation !== peer) return;
    show(describeUpdate(message, change, book), { event: "update", change, message: messageJson(message, book) });
  });
  client.events.on("typing", ({ from, started }) => {
    if (from !== peer || !started) return;
    show(`${name} is typing…`, { event: "typing", from, started });
  });
  client.events.on("identity-changed", ({ accountId }) => {
    if (accountId !== peer) return;
    out.warn(`the identity key of ${name} changed: messages to them are held. Compare safety numbers, then run \`parley trust ${contact}\`.`);
  });
  client.connect().catch(() => undefined);
  const stopTyping = interactive ? sendTypingIndicators(client, peer) : () => undefined;

  // Ctrl-C leaves like /quit: what is queued still goes out (a second Ctrl-C exits at once).
  context.onInterrupt(() => terminal.close());
  for (;;) {
    const line = await terminal.readLine(interactive ? "> " : undefined);
    if (line === undefined) break;
    stopTyping();
    const text = line.trim();
    if (text === "") continue;
    if (text === "/quit") break;
    if (text.startsWith("/")) {
      await command(text);
      continue;
    }
    lastOwn = await client.sendText(peer, line);
  }

  const pending = await drainOutbox(client, leaveDrainMs);
  if (pending > 0) out.progress(stillQueuedNotice(pending));

  async function command(text: string): Promise<void> {
    const [verb, ...rest] = text.split(/\s+/);
    const argument = text.slice(verb!.length).trim();
    if (verb === "/help") {
      for (const row of help) out.progress(row);
    } else if (verb === "/edit" && argument !== "") {
      if (lastOwn === undefined) return out.progress("You have sent nothing to edit here.");
      await client.edit(peer, lastOwn, argument);
    } else if (verb === "/delete" && rest.length === 0) {
      if (lastOwn === undefined) return out.progress("You have sent nothing to delete here.");
      await client.deleteForEveryone(peer, lastOwn);
    } else if (verb === "/react" && argument !== "") {
      if (lastTheirs === undefined) return out.progress(`${name} has sent nothing to react to.`);
      await client.react(peer, { messageId: lastTheirs.messageId, author: lastTheirs.author }, argument);
    } else {
      out.progress(`Unknown command ${text}; /help lists them.`);
    }
  }
}

/**
 * Tells the peer "typing" on the first key press and "stopped" after typingIdleMs without one;
 * returns the function to call when a line is sent. Indicators are ephemeral: lost when offline.
 */
function sendTypingIndicators(client: ParleyClient, peer: string): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const set = (started: boolean) => void client.setTyping(peer, started).catch(() => undefined);
  const stop = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    set(false);
  };
  process.stdin.on("keypress", (_text: string, key: { name?: string } | undefined) => {
    if (key?.name === "return" || key?.name === "enter") return;
    if (timer === undefined) set(true);
    else clearTimeout(timer);
    timer = setTimeout(stop, typingIdleMs);
  });
  return () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
  };
}
