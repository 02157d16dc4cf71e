// One-time codes as text: the alphabet, generation, normalization of what people type, and
// when an activation code expires. Pure functions.
import { randomInt } from 'node:crypto';

/** Lowercase letters and digits without look-alikes: no i, l, o, q, u, 0, 1, 2. */
export const CODE_ALPHABET = 'abcdefghjkmnprstvwxyz3456789';
export const CODE_LENGTH = 8;

export function generateCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** What people type: case and spaces do not matter (« YXS7 CE5D » is yxs7ce5d). */
export function normalizeCode(typed: string): string {
  return typed.toLowerCase().replace(/\s+/gu, '');
}

/** True when the text could be a code (lets callers skip a lookup for obvious passwords). */
export function looksLikeCode(normalized: string): boolean {
  return normalized.length === CODE_LENGTH && [...normalized].every((c) => CODE_ALPHABET.includes(c));
}

/** The next `MM-DD` (UTC midnight) strictly after `now`: when activation codes expire by default. */
export function nextSchoolYearStart(now: Date, monthDay: string): Date {
  const match = /^(\d{2})-(\d{2})$/.exec(monthDay);
  const month = Number(match?.[1]);
  const day = Number(match?.[2]);
  if (!match || month < 1 || month > 12 || day < 1 || day > 31)
    throw new Error(`invalid school year start ${monthDay} (MM-DD)`);
  for (let year = now.getUTCFullYear(); ; year++) {
    const start = new Date(Date.UTC(year, month - 1, day));
    if (start.getTime() > now.getTime()) return start;
  }
}

export interface CodeLifetimes {
  /** Seconds; 0 = until the next school year start. */
  activationTtl: number;
  schoolYearStart: string;
  renewalTtl: number;
}

export function codeExpiry(kind: 'activation' | 'renewal', now: Date, lifetimes: CodeLifetimes): Date {
  if (kind === 'renewal') return new Date(now.getTime() + lifetimes.renewalTtl * 1000);
  if (lifetimes.activationTtl > 0) return new Date(now.getTime() + lifetimes.activationTtl * 1000);
  return nextSchoolYearStart(now, lifetimes.schoolYearStart);
}
