// The TLS settings of a configuration: none unless server.tlsCertFile and server.tlsKeyFile are
// both set (the loader checks that), in which case the files are read at start and on reload.
import { tlsFileLoader, type TlsSettings } from "../http/tls-options.js";
import type { ParleyConfig } from "./config-schema.js";

export function tlsSettingsOf(config: ParleyConfig): TlsSettings | undefined {
  const { tlsCertFile, tlsKeyFile, hstsMaxAgeSeconds } = config.server;
  if (tlsCertFile === "" || tlsKeyFile === "") return undefined;
  return { load: tlsFileLoader(tlsCertFile, tlsKeyFile), hstsMaxAgeSeconds };
}
