// Throttling of the public recovery pages (« Mot de passe oublié », « Identifiant oublié »),
// stored in rate_limits like the login throttle, so instances share it and restarts keep it.
//
//   POST ─▶ per IP (both pages, one counter) ─ over RECOVERY_MAX_PER_IP ─▶ 429 « Trop de demandes »
//             │                                (says nothing about any account)
//           same answer as always, then, after the reply:
//           per address (the identifiant or email as typed, known or not)
//             ─ over RECOVERY_MAX_PER_ADDRESS ─▶ no lookup, no mail (audited once per window)
//             │
//           lookup and mail
//
// Addresses are keyed by a keyed digest: the table holds no identifiant or email.
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import { deriveKey, digest } from './crypto.js';
import { createStoredLimiter, queuedWrite, throttleSubject, type ThrottleCheck } from './throttle.js';

export type AddressCheck =
  { allowed: true } | { allowed: false; /** The first refusal of the window (the one audited). */ first: boolean };

export interface RecoveryThrottle {
  /** Counts a request from this IP, before answering it. */
  admitIp(ip: string): Promise<ThrottleCheck>;
  /** Counts a request for this address (already normalised), whether or not it exists. */
  admitAddress(kind: 'login' | 'email', address: string): Promise<AddressCheck>;
}

export function createRecoveryThrottle(deps: { config: Config; db: Database }): RecoveryThrottle {
  const { maxPerIp, maxPerAddress, window } = deps.config.recoveryThrottle;
  const perIp = createStoredLimiter(deps, { keyPrefix: 'recovery-ip', points: maxPerIp, duration: window });
  const perAddress = createStoredLimiter(deps, {
    keyPrefix: 'recovery-address',
    points: maxPerAddress,
    duration: window,
  });
  const addressKey = deriveKey(deps.config.secrets.codeEncryptionKey, 'recovery-throttle');
  const write = queuedWrite(deps.db);

  return {
    async admitIp(ip) {
      const res = await write(() => perIp.penalty(throttleSubject(ip), 1));
      return res.consumedPoints <= maxPerIp
        ? { allowed: true }
        : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
    },
    async admitAddress(kind, address) {
      const res = await write(() => perAddress.penalty(digest(addressKey, `${kind}:${address}`), 1));
      return res.consumedPoints <= maxPerAddress
        ? { allowed: true }
        : { allowed: false, first: res.consumedPoints === maxPerAddress + 1 };
    },
  };
}
