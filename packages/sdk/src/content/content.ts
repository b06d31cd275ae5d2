// The plaintext of one Signal message between Parley clients (proto/content.proto, message
// Content). The server never sees it; receivers validate it like any other untrusted input.

/** The schema version this code writes. Readers decode the fields they know of any version. */
export const CONTENT_VERSION = 1;

export const contentLimits = {
  /** Text of a text message or an edit, in UTF-8 bytes. */
  maxTextBytes: 64 * 1024,
  /** A reaction's emoji, in UTF-8 bytes. */
  maxEmojiBytes: 64,
  /** Message ids in one receipt. */
  maxReceiptIds: 1000,
} as const;

export interface Content {
  /** Client-generated lower-case canonical UUID: receivers dedupe on it, later messages refer to it. */
  messageId: string;
  /** Milliseconds since the epoch, by the sender's clock. */
  sentAt: number;
  /** Disappearing-message timer; absent means the message does not expire. A positive uint32. */
  expiresInSeconds?: number;
  body: ContentBody;
}

/** A message of some account: its id and its author's account id. */
export interface MessageRef {
  messageId: string;
  author: string;
}

export interface TextBody {
  kind: "text";
  text: string;
  replyTo?: MessageRef;
}

export interface ReceiptBody {
  kind: "receipt";
  receipt: "delivered" | "read";
  /** 1 to contentLimits.maxReceiptIds ids. */
  messageIds: string[];
}

/** Ephemeral: sent only to connected devices. */
export interface TypingBody {
  kind: "typing";
  started: boolean;
}

export interface ReactionBody {
  kind: "reaction";
  target: MessageRef;
  /** Non-empty; `remove` names the reaction to take back by its emoji. */
  emoji: string;
  remove: boolean;
}

/** Replaces the text of one of the sender's own earlier messages. */
export interface EditBody {
  kind: "edit";
  targetMessageId: string;
  text: string;
}

/** Deletes one of the sender's own earlier messages for everyone. */
export interface DeleteBody {
  kind: "delete";
  targetMessageId: string;
}

/** A receiver that could not decrypt asks the sender to start a new session. */
export interface SessionResetBody {
  kind: "sessionReset";
}

/** What the sender sent to `destination`, copied to the sender's own other devices. */
export interface SentTranscriptBody {
  kind: "sentTranscript";
  /** The recipient's account id. */
  destination: string;
  /** Never itself a sent transcript. */
  content: Content;
}

/** A newly linked device announces itself to its account's primary. */
export interface DeviceLinkedBody {
  kind: "deviceLinked";
  deviceId: number;
  registrationId: number;
}

/**
 * A body of a kind this version does not know, from a newer client. Only ever decoded: a
 * receiver keeps the common fields (to acknowledge or dedupe) and may tell the user to update.
 */
export interface UnknownBody {
  kind: "unknown";
}

export type ContentBody =
  | TextBody
  | ReceiptBody
  | TypingBody
  | ReactionBody
  | EditBody
  | DeleteBody
  | SessionResetBody
  | SentTranscriptBody
  | DeviceLinkedBody
  | UnknownBody;

export type ContentKind = ContentBody["kind"];
