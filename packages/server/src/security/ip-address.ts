// ipaddr.js is CommonJS with a single `export =`: loaded through require, typed from its
// declarations, so the rest of the code imports plain names from here.
import { createRequire } from "node:module";
import type * as IpaddrModule from "ipaddr.js";

export const ipaddr = createRequire(import.meta.url)("ipaddr.js") as typeof IpaddrModule;

/** A parsed IPv4 or IPv6 address. */
export type IpAddress = IpaddrModule.IPv4 | IpaddrModule.IPv6;
export type IPv6Address = IpaddrModule.IPv6;
