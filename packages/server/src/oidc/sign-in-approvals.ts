// Device approval of sign-ins. The browser's login page shows a code; the user enters it on one
// of their logged-in devices, which reads what is asked and approves (binding the sign-in to its
// account) or denies. The state lives in the store, so the page and the device may reach
// different nodes. Every answer about an unknown, expired or already answered code is the same
// SIGN_IN_NOT_FOUND, so a guesser learns nothing beyond "no".
import type { OidcSignIn } from "@parley/protocol";
import { ApiError, ErrorCode } from "../domain/api-error.js";
import type { DeviceAuth } from "../domain/authenticator.js";
import type { Clock } from "../ports/clock.js";
import type { OidcStore } from "../ports/oidc-store.js";
import type { Random } from "../ports/random.js";
import { displaySignInCode, hashSignInCode, newSignInCode, normalizeSignInCode } from "./sign-in-codes.js";

/** What the login page learns while it waits. */
export type SignInStatus = "pending" | "approved" | "denied" | "expired";

/** The outcome the login page continues with. */
export type SignInOutcome = { readonly kind: "approved"; readonly accountId: string } | { readonly kind: "denied" } | { readonly kind: "pending" } | { readonly kind: "expired" };

export interface SignInRequest {
  readonly interactionUid: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  /** When the interaction ends (ms); the code ends with it. */
  readonly expiresAt: number;
}

export class SignInApprovals {
  constructor(private readonly deps: { readonly store: OidcStore; readonly clock: Clock; readonly random: Random }) {}

  /** A new code for the interaction (replacing an earlier one), as XXXX-XXXX. */
  async start(request: SignInRequest): Promise<string> {
    const { store, clock, random } = this.deps;
    // A collision with a live code fails the insert: draw again (it takes ~1e6 live codes to matter).
    for (let attempt = 0; ; attempt++) {
      const code = newSignInCode(random);
      try {
        await store.createSignIn({
          codeHash: hashSignInCode(code),
          interactionUid: request.interactionUid,
          clientId: request.clientId,
          clientName: request.clientName,
          scopes: [...request.scopes],
          state: "pending",
          accountId: null,
          createdAt: clock.now(),
          expiresAt: request.expiresAt,
        });
        return displaySignInCode(code);
      } catch (error) {
        if (attempt >= 2) throw error;
      }
    }
  }

  async status(interactionUid: string): Promise<SignInStatus> {
    const signIn = await this.deps.store.findSignInByInteraction(interactionUid, this.deps.clock.now());
    return signIn?.state ?? "expired";
  }

  /** What the interaction continues with; an approval is handed out once. */
  async outcome(interactionUid: string): Promise<SignInOutcome> {
    const { store, clock } = this.deps;
    const approved = await store.takeApprovedSignIn(interactionUid, clock.now());
    if (approved?.accountId) return { kind: "approved", accountId: approved.accountId };
    const state = await this.status(interactionUid);
    return { kind: state === "approved" ? "expired" : state };
  }

  /** The pending sign-in showing `typed` (any case, dash optional). */
  async lookup(typed: string): Promise<OidcSignIn> {
    const code = normalizeSignInCode(typed);
    const signIn = code === undefined ? undefined : await this.deps.store.findPendingSignIn(hashSignInCode(code), this.deps.clock.now());
    if (signIn === undefined) throw notFound();
    return { clientId: signIn.clientId, clientName: signIn.clientName, scopes: [...signIn.scopes], expiresAt: signIn.expiresAt };
  }

  /** Approves (for the device's account) or denies the pending sign-in showing `typed`. */
  async decide(auth: DeviceAuth, typed: string, approve: boolean): Promise<void> {
    const code = normalizeSignInCode(typed);
    const decision = approve ? { approve: true as const, accountId: auth.accountId } : { approve: false as const };
    const decided = code !== undefined && (await this.deps.store.decideSignIn(hashSignInCode(code), decision, this.deps.clock.now()));
    if (!decided) throw notFound();
  }
}

function notFound(): ApiError {
  return new ApiError(ErrorCode.SignInNotFound, "no pending sign-in has this code");
}
