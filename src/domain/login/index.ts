// Signing in with identifiant + password or one-time code, and choosing a password from a code.
import type { Throttle } from '../throttle.js';
import { createAuthenticate, type AuthenticateInput, type AuthenticateResult } from './authenticate.js';
import {
  createCompleteCode,
  type CompleteCodeDeps,
  type CompleteCodeInput,
  type CompleteCodeResult,
} from './complete-code.js';
import { codeStrategy, passwordStrategy } from './strategies.js';

export type { AuthenticateInput, AuthenticateResult } from './authenticate.js';
export type { CompleteCodeInput, CompleteCodeResult } from './complete-code.js';
export type { CredentialStrategy, DeadCredential, StrategyMatch } from './strategies.js';

export interface Login {
  authenticate(input: AuthenticateInput): Promise<AuthenticateResult>;
  completeCode(input: CompleteCodeInput): Promise<CompleteCodeResult>;
}

export interface LoginDeps extends CompleteCodeDeps {
  throttle: Throttle;
}

export function createLogin(deps: LoginDeps): Login {
  const strategies = [passwordStrategy(deps.passwords), codeStrategy(deps.codes)];
  return {
    authenticate: createAuthenticate({ ...deps, strategies }),
    completeCode: createCompleteCode(deps),
  };
}
