// The password rules, as French messages saying what to fix (NIST SP 800-63B style): a
// minimum and maximum length in Unicode code points, any character allowed, no composition
// rules; refused when it is the identifiant, the one-time code, or a common password.
import { normalizeLogin } from '../accounts.js';
import { commonPasswords } from './common-passwords.js';

export const MAX_PASSWORD_LENGTH = 128;

export interface PolicyContext {
  /** The account's identifiant. */
  login: string;
  /** The one-time code being replaced, when there is one. */
  code?: string;
  minLength: number;
}

/** Code points, after NFC normalization (what people count as characters). */
export function passwordLength(password: string): number {
  return [...password.normalize('NFC')].length;
}

/** Lowercase, no spaces: how a typed one-time code is compared. */
const squeeze = (value: string) => value.normalize('NFC').toLowerCase().replace(/\s+/gu, '');

/** Null when the password is acceptable, otherwise one French sentence to show. */
export function policyError(password: string, context: PolicyContext): string | null {
  const normalized = password.normalize('NFC');
  const length = passwordLength(normalized);
  if (length < context.minLength) {
    return `Le mot de passe doit contenir au moins ${context.minLength} caractères (il en contient ${length}).`;
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return `Le mot de passe doit contenir au plus ${MAX_PASSWORD_LENGTH} caractères (il en contient ${length}).`;
  }
  const lower = normalized.toLowerCase();
  if (context.login && lower === normalizeLogin(context.login)) {
    return 'Le mot de passe ne doit pas être votre identifiant : choisissez-en un autre.';
  }
  if (context.code && squeeze(normalized) === squeeze(context.code)) {
    return 'Le mot de passe ne doit pas être le code reçu : choisissez un nouveau mot de passe personnel.';
  }
  if (commonPasswords().has(lower)) {
    return 'Ce mot de passe est trop courant et facile à deviner : choisissez-en un autre, par exemple une phrase de plusieurs mots.';
  }
  return null;
}
