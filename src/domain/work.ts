// The work a sign-in or recovery request costs the server, counted where it is done: argon2
// verifications (real and dummy alike), one-time code lookups, recovery lookups. What a
// client could time is this work, so whether an identifiant exists must not change these
// counts; the tests compare them per kind of failed attempt through /metrics (no clock in
// `npm test`), and bench/enumeration.ts measures the time.
export type WorkKind = 'password_verification' | 'code_lookup' | 'recovery_lookup';

export interface WorkMeter {
  count(kind: WorkKind): void;
  /** Calls `listener` on every count from now on (the metrics module subscribes). */
  observe(listener: (kind: WorkKind) => void): void;
}

export function createWorkMeter(): WorkMeter {
  const listeners: ((kind: WorkKind) => void)[] = [];
  return {
    count(kind) {
      for (const listener of listeners) listener(kind);
    },
    observe(listener) {
      listeners.push(listener);
    },
  };
}
