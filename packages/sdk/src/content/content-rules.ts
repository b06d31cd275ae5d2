// The rules every Content obeys, checked by encodeContent before writing and by decodeContent
// after reading, so that both sides enforce the same limits.
import { accountIdPattern } from "@parley/protocol";
import { contentLimits, type Content, type ContentBody, type MessageRef } from "./content.js";
import { ContentError, ContentErrorCode } from "./content-error.js";
import { isMessageId } from "./message-id.js";
import { isUint, isWellFormedString, utf8Length } from "./wire.js";

const maxDeviceId = 127;
const maxRegistrationId = 0x3fff;
const maxUint32 = 0xffff_ffff;

export interface RuleContext {
  /** Inside a sent transcript, where another transcript is refused (bounding the nesting). */
  readonly nested: boolean;
  /** Unknown bodies come only from decoding; there is nothing to write for them. */
  readonly encoding: boolean;
}

function invalid(message: string): ContentError {
  return new ContentError(ContentErrorCode.Invalid, message);
}

function checkMessageId(value: unknown, field: string): void {
  if (!isMessageId(value)) throw invalid(`${field} is not a lower-case UUID`);
}

function checkAccountId(value: unknown, field: string): void {
  if (typeof value !== "string" || !accountIdPattern.test(value)) throw invalid(`${field} is not an account id`);
}

function checkText(value: unknown, field: string, minBytes: number, maxBytes: number): void {
  if (!isWellFormedString(value)) throw invalid(`${field} is not well-formed text`);
  const length = utf8Length(value);
  if (length < minBytes || length > maxBytes) throw invalid(`${field} must be ${minBytes} to ${maxBytes} bytes of UTF-8`);
}

function checkRef(ref: MessageRef | undefined, field: string): void {
  if (typeof ref !== "object" || ref === null) throw invalid(`${field} is missing`);
  checkMessageId(ref.messageId, `${field} message id`);
  checkAccountId(ref.author, `${field} author`);
}

export function checkContent(content: Content, context: RuleContext): void {
  checkMessageId(content.messageId, "message id");
  if (!isUint(content.sentAt, Number.MAX_SAFE_INTEGER)) throw invalid("sentAt is not a uint53");
  if (content.expiresInSeconds !== undefined && !(isUint(content.expiresInSeconds, maxUint32) && content.expiresInSeconds > 0)) {
    throw invalid("expiresInSeconds is not a positive uint32");
  }
  if (typeof content.body !== "object" || content.body === null) throw invalid("content has no body");
  checkBody(content.body, context);
}

function checkBody(body: ContentBody, context: RuleContext): void {
  switch (body.kind) {
    case "text":
      checkText(body.text, "text", 0, contentLimits.maxTextBytes);
      if (body.replyTo !== undefined) checkRef(body.replyTo, "replyTo");
      return;
    case "receipt": {
      if (body.receipt !== "delivered" && body.receipt !== "read") throw invalid("unknown receipt type");
      const ids: unknown = body.messageIds;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > contentLimits.maxReceiptIds) {
        throw invalid(`a receipt names 1 to ${contentLimits.maxReceiptIds} messages`);
      }
      for (const id of ids) checkMessageId(id, "receipt message id");
      return;
    }
    case "typing":
      if (typeof body.started !== "boolean") throw invalid("typing.started is not a boolean");
      return;
    case "reaction":
      checkRef(body.target, "reaction target");
      checkText(body.emoji, "emoji", 1, contentLimits.maxEmojiBytes);
      if (typeof body.remove !== "boolean") throw invalid("reaction.remove is not a boolean");
      return;
    case "edit":
      checkMessageId(body.targetMessageId, "edit target");
      checkText(body.text, "edited text", 0, contentLimits.maxTextBytes);
      return;
    case "delete":
      checkMessageId(body.targetMessageId, "delete target");
      return;
    case "sessionReset":
      return;
    case "sentTranscript":
      if (context.nested) throw invalid("a sent transcript cannot contain another");
      checkAccountId(body.destination, "transcript destination");
      if (typeof body.content !== "object" || body.content === null) throw invalid("transcript has no content");
      checkContent(body.content, { ...context, nested: true });
      return;
    case "deviceLinked":
      if (!isUint(body.deviceId, maxDeviceId) || body.deviceId === 0) throw invalid(`deviceId must be 1 to ${maxDeviceId}`);
      if (!isUint(body.registrationId, maxRegistrationId) || body.registrationId === 0) {
        throw invalid(`registrationId must be 1 to ${maxRegistrationId}`);
      }
      return;
    case "unknown":
      if (context.encoding) throw invalid("a body of unknown kind cannot be encoded");
      return;
    default:
      throw invalid("unknown body kind");
  }
}
