// Password hashing with argon2id at the configured cost, and the password policy.
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Config } from '../../config/index.js';
import type { WorkMeter } from '../work.js';
import { commonPasswords } from './common-passwords.js';
import { policyError, type PolicyContext } from './policy.js';

export interface VerifyResult {
  ok: boolean;
  /** The hash was made with other parameters than the configured ones: hash again. */
  needsRehash: boolean;
}

export interface Passwords {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<VerifyResult>;
  /** Costs one verification and fails: used for unknown identifiants so timing is similar. */
  dummyVerify(password: string): Promise<false>;
  policyError(password: string, context: Omit<PolicyContext, 'minLength'>): string | null;
}

/**
 * Passwords are NFC-normalized before hashing and verifying, so the same password typed on
 * systems that compose accents differently matches.
 */
export function createPasswords(config: Pick<Config, 'argon2' | 'passwords'>, work?: WorkMeter): Passwords {
  const params = {
    memoryCost: config.argon2.memoryCost,
    timeCost: config.argon2.timeCost,
    parallelism: config.argon2.parallelism,
  };
  let dummy: Promise<string> | undefined;
  const hash = (password: string) => argon2.hash(password.normalize('NFC'), { ...params, type: argon2.argon2id });
  /** The one place argon2 verifies, so the count is the work done (dummy or real). */
  const argon2Verify = (stored: string, password: string) => {
    work?.count('password_verification');
    return argon2.verify(stored, password.normalize('NFC'));
  };
  commonPasswords(); // load at start: a missing list fails the boot, not the first sign-up

  return {
    hash,
    async verify(stored, password) {
      if (!stored.startsWith('$argon2')) return { ok: false, needsRehash: false };
      try {
        const ok = await argon2Verify(stored, password);
        return { ok, needsRehash: ok && (!stored.startsWith('$argon2id$') || argon2.needsRehash(stored, params)) };
      } catch {
        return { ok: false, needsRehash: false };
      }
    },
    async dummyVerify(password) {
      dummy ??= hash(randomBytes(24).toString('base64url'));
      await argon2Verify(await dummy, password).catch(() => false);
      return false;
    },
    policyError: (password, context) => policyError(password, { ...context, minLength: config.passwords.minLength }),
  };
}
