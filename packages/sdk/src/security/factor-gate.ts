// Registering or linking a device of a protected account: ask the server what it requires, ask
// the user (through the caller's prompt) for those factors, and try; after a refused answer ask
// again, saying why, until the server accepts or runs out of attempts (FACTOR_ATTEMPTS_EXHAUSTED,
// a 429 the caller gets as is). The server counts every refused answer, so this loop cannot be
// used to guess: the bound is the server's.
import type { Factors } from "@parley/protocol";
import type { ServerApi } from "../api/server-api.js";
import { ApiRequestError, ParleyError, SdkErrorCode } from "../errors.js";
import type { FactorAnswers, FactorPrompt, FactorRetry } from "./factor-types.js";

/** The `factors` field of a registration or link body. */
export type FactorsBody = Factors;

/** The server's codes for a refused factor: the user may answer again. */
const refusals = new Set(["PIN_INCORRECT", "SECOND_FACTOR_INCORRECT", "TOTP_CODE_REUSED"]);
/** A 423 after the challenge said nothing was needed means a factor was set meanwhile; re-ask this often at most. */
const maxRequirementChanges = 3;

export async function withFactors<T>(
  api: ServerApi,
  subject: { sessionId: string } | { linkToken: string },
  prompt: FactorPrompt | undefined,
  attempt: (factors: FactorsBody | undefined) => Promise<T>,
): Promise<T> {
  let retry: FactorRetry | undefined;
  let changes = 0;
  for (;;) {
    const { challengeId, ...requirement } = await api.createFactorChallenge(subject);
    let factors: FactorsBody | undefined;
    if (requirement.pinRequired || requirement.secondFactors.length > 0) {
      if (!prompt) {
        throw new ParleyError(SdkErrorCode.FactorsRequired, "the account is protected by a PIN or second factor: pass a factor prompt", {
          cause: requirement,
        });
      }
      factors = toBody(await prompt({ ...requirement, ...(retry ? { retry } : {}) }), challengeId);
    }
    try {
      return await attempt(factors);
    } catch (error) {
      if (!(error instanceof ApiRequestError)) throw error;
      if (refusals.has(error.code)) {
        const attemptsLeft = error.details?.["attemptsLeft"];
        retry = { code: error.code, ...(typeof attemptsLeft === "number" ? { attemptsLeft } : {}) };
        continue;
      }
      if (error.code === "REGISTRATION_LOCKED" && ++changes < maxRequirementChanges) continue;
      throw error;
    }
  }
}

function toBody(answers: FactorAnswers, challengeId: string): FactorsBody {
  return {
    ...(answers.pin !== undefined ? { pin: answers.pin } : {}),
    ...(answers.totp !== undefined ? { totp: answers.totp.replace(/\s/g, "") } : {}),
    ...(answers.recoveryCode !== undefined ? { recoveryCode: answers.recoveryCode.trim() } : {}),
    ...(answers.passkey !== undefined ? { passkey: { challengeId, response: answers.passkey } } : {}),
  };
}
