import type { Migration } from "../../migration.js";
import { initial } from "./0001_initial.js";
import { deviceLists } from "./0002_device_lists.js";
import { authFactors } from "./0003_auth_factors.js";
import { oidc } from "./0004_oidc.js";

/** Every SQLite migration, in the order they apply. Append only; never edit one that shipped. */
export const sqliteMigrations: readonly Migration[] = [initial, deviceLists, authFactors, oidc];
