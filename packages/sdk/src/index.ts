// @parley/sdk: the Parley client. Isomorphic: storage (an ordered key-value store) and transport
// (a WHATWG WebSocket and fetch) are ports; adapters for Node live with the apps.
export type { Entry, KeyValueStore, ScanOptions, Write } from "./storage/key-value-store.js";
