// The provider's own pages: waiting for a device's approval, consent, and errors. Plain HTML with
// a small inline style sheet and script allowed by a per-response nonce; nothing is loaded from
// elsewhere. The pages show the client's name, the scopes and the code, never an account id or a
// phone number.
import { randomBytes } from "node:crypto";

export interface Page {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const scopeDescriptions: Readonly<Record<string, string>> = {
  openid: "Sign you in (an identifier for you that only this app sees)",
  profile: "Your Parley username, if your account has one",
  phone: "Your phone number, if your account is registered with one",
};

const style = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1c1e21}
main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin:0 0 1rem}
.code{font:600 2rem/1 ui-monospace,monospace;letter-spacing:.15em;text-align:center;padding:1rem;background:#eef1f5;border-radius:8px}
.muted{color:#5f6368;font-size:.9rem}
ul{padding-left:1.2rem}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;font:inherit;padding:.6rem;border-radius:8px;border:1px solid #c4c7cc;background:#fff;cursor:pointer}
button.primary{background:#2563eb;border-color:#2563eb;color:#fff}
`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title: string, content: string, options: { status?: number; script?: string } = {}): Page {
  const nonce = randomBytes(16).toString("base64");
  const script = options.script === undefined ? "" : `<script nonce="${nonce}">${options.script}</script>`;
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style nonce="${nonce}">${style}</style></head><body><main>${content}</main>${script}</body></html>`;
  return {
    status: options.status ?? 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      // Not no-referrer: under it browsers send "Origin: null" with the pages' own form posts,
      // which the interaction handler refuses. same-origin still gives other sites no referrer.
      "referrer-policy": "same-origin",
      "x-content-type-options": "nosniff",
      // No form-action: after the consent form the browser follows redirects to the client.
      "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
    },
    body,
  };
}

/** The page that shows the code and waits for a device; it posts `continueUrl` once answered. */
export function loginPage(input: { clientName: string; code: string; statusUrl: string; continueUrl: string; expiresAt: number }): Page {
  const content = `<h1>Sign in to ${escapeHtml(input.clientName)} with Parley</h1>
<p>Open Parley on one of your devices and enter this code to approve the sign-in:</p>
<p class="code" id="code">${escapeHtml(input.code)}</p>
<p class="muted" id="status">Waiting for your approval. The code expires at <time>${new Date(input.expiresAt).toISOString().slice(11, 16)} UTC</time>.</p>
<form method="post" action="${escapeHtml(input.continueUrl)}" id="continue"><div class="actions"><button type="submit" class="primary">I have answered on my device</button></div></form>`;
  // Polls the status; once the device answered, continues (with the interaction cookie).
  const script = `(function(){var url=${JSON.stringify(input.statusUrl)};function poll(){fetch(url,{credentials:"same-origin",cache:"no-store"}).then(function(r){return r.json()}).then(function(s){if(s.state==="pending"){setTimeout(poll,2000)}else{document.getElementById("continue").submit()}}).catch(function(){setTimeout(poll,5000)})}setTimeout(poll,2000)})();`;
  return page("Sign in with Parley", content, { script });
}

/** The consent screen: the client's name, the scopes, Allow and Deny. */
export function consentPage(input: { clientName: string; scopes: readonly string[]; action: string }): Page {
  const items = input.scopes
    .filter((scope) => scope !== "phone")
    .map((scope) => `<li>${escapeHtml(scopeDescriptions[scope] ?? scope)}</li>`)
    .join("");
  const phone = input.scopes.includes("phone")
    ? `<p><label><input type="checkbox" name="share_phone" value="yes"> Also share ${escapeHtml(scopeDescriptions["phone"]!.toLowerCase())}</label></p>`
    : "";
  const content = `<h1>${escapeHtml(input.clientName)} wants to</h1><ul>${items}</ul>
<form method="post" action="${escapeHtml(input.action)}">${phone}<div class="actions"><button type="submit" name="decision" value="deny">Deny</button><button type="submit" name="decision" value="allow" class="primary">Allow</button></div></form>`;
  return page("Allow access?", content);
}

export function errorPage(status: number, message: string): Page {
  return page("Sign-in failed", `<h1>Sign-in failed</h1><p>${escapeHtml(message)}</p><p class="muted">Go back to the application and start again.</p>`, { status });
}

/** Shown when the page is reloaded after a device answered: it continues at once. */
export function answeredPage(continueUrl: string): Page {
  const content = `<h1>Answered on your device</h1><form method="post" action="${escapeHtml(continueUrl)}" id="continue"><div class="actions"><button type="submit" class="primary">Continue</button></div></form>`;
  return page("Sign in with Parley", content, { script: `document.getElementById("continue").submit();` });
}
