// The configuration section of the OpenID Connect provider ("Sign in with Parley"). Part of
// ConfigSchema; docs/operations.md ("OpenID Connect") explains the settings.
import Type from "typebox";

const integer = (def: number, description: string, minimum: number, maximum: number) => Type.Integer({ default: def, minimum, maximum, description });

export const OidcConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: "Serve the OpenID Connect provider under /oidc, so third-party apps can offer \"Sign in with Parley\"." }),
    issuer: Type.String({
      default: "",
      description:
        "The issuer URL as apps reach it, ending in /oidc (e.g. https://chat.example.com/oidc behind a TLS proxy). Empty: the listening URL + /oidc.",
    }),
    codeTtlSeconds: integer(600, "How long a browser's sign-in code waits for approval on a device, in seconds.", 30, 3600),
    accessTokenTtlSeconds: integer(3600, "Lifetime of an access token (for the userinfo endpoint), in seconds.", 60, 86_400),
    sessionTtlSeconds: integer(86_400, "How long a browser stays signed in at the provider before a device must approve again, in seconds.", 60, 2_592_000),
    keyRotationGraceDays: integer(7, "A retired signing key stays published this many days after `parley oidc keys rotate`, so tokens it signed still verify.", 1, 365),
    keyRefreshSeconds: integer(30, "How often the signing keys are re-read, so a rotation reaches every node, in seconds; 0: only at start.", 0, 86_400),
  },
  { default: {} },
);

/** An issuer that is not an http(s) URL ending in /oidc, without query or fragment. */
export function oidcConfigProblems(oidc: { readonly issuer: string }): string[] {
  const issuer = oidc.issuer.trim();
  if (issuer === "") return [];
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return [`oidc.issuer: "${issuer}" is not a URL`];
  }
  if (!["http:", "https:"].includes(url.protocol) || url.search !== "" || url.hash !== "" || url.pathname.replace(/\/$/, "") !== "/oidc") {
    return ["oidc.issuer: must be an http(s) URL whose path is /oidc, without query or fragment (e.g. https://chat.example.com/oidc)"];
  }
  return [];
}
