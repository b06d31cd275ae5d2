// Phone numbers are checked against libphonenumber's metadata: the E.164 shape alone would accept
// numbers no carrier can route. The library is CommonJS without named exports, hence the require;
// its metadata loads on first use.
import { createRequire } from "node:module";
import { e164Pattern } from "@parley/protocol";
import type * as PhoneLibModule from "google-libphonenumber";

type PhoneLib = typeof PhoneLibModule;

let lib: { module: PhoneLib; util: InstanceType<PhoneLib["PhoneNumberUtil"]> } | undefined;

function phoneLib() {
  if (!lib) {
    const module = createRequire(import.meta.url)("google-libphonenumber") as PhoneLib;
    lib = { module, util: module.PhoneNumberUtil.getInstance() };
  }
  return lib;
}

/** The canonical E.164 form of `value`, or undefined when it is not a valid number. */
export function canonicalPhoneNumber(value: string): string | undefined {
  if (!e164Pattern.test(value)) return undefined;
  const { module, util } = phoneLib();
  try {
    const parsed = util.parse(value);
    if (!util.isValidNumber(parsed)) return undefined;
    return util.format(parsed, module.PhoneNumberFormat.E164);
  } catch {
    return undefined;
  }
}
