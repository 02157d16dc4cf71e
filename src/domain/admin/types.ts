// The shapes the class admin services take and return (shared by the admin API and page).
import type { Account, CodeKind, Profile } from '../../db/entities/index.js';

/** A signed-in teacher or school admin, with the roles that decide what they may do. */
export interface Actor {
  account: Account;
  /** Class ids where the actor holds `class-admin`. */
  classAdminOf: ReadonlySet<string>;
  /** Structure ids where the actor holds `school-admin`. */
  schoolAdminOf: ReadonlySet<string>;
}

export interface ClassSummary {
  id: string;
  name: string;
  schoolYear: string;
  structureId: string;
  structureName: string;
  /** True when the actor may act (codes, block, resets, sheets) on its students and relatives. */
  canAct: boolean;
}

export type AccountState = 'activated' | 'activation_code' | 'renewal_code' | 'blocked';
export type AccountSort = 'name' | 'birthDate' | 'login';

export interface ListAccountsOptions {
  profile: Profile;
  /** Prefix of the last or first name, or « prénom nom » / « nom prénom »; accents and case ignored. */
  q?: string;
  sort?: AccountSort;
  order?: 'asc' | 'desc';
  /** 1-based. */
  page?: number;
  /** 1..200, default 50. */
  pageSize?: number;
}

export interface AccountRow {
  id: string;
  firstName: string;
  lastName: string;
  displayName: string;
  /** YYYY-MM-DD or null. */
  birthDate: string | null;
  login: string;
  profile: Profile;
  state: AccountState;
  /** The live code in clear: only when the actor may act on the account. */
  code?: string;
  codeExpiresAt?: Date;
  lastLoginAt: Date | null;
  /** The latest version of the terms of use (« charte ») the account accepted, and when; null: none. */
  termsAccepted: { version: string; acceptedAt: Date } | null;
  /** Linked to an ÉduConnect account (signs in with it). */
  educonnect: boolean;
  /** Relatives: their children in this class. */
  children?: { id: string; displayName: string }[];
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface IssuedCode {
  accountId: string;
  displayName: string;
  login: string;
  kind: CodeKind;
  code: string;
  expiresAt: Date;
  /** False when the account's live activation code was handed back instead of a new one. */
  generated: boolean;
}

export interface BlockResult {
  accountId: string;
  displayName: string;
  /** False when the account already was in the requested state. */
  changed: boolean;
}

export interface PasswordResetResult {
  accountId: string;
  displayName: string;
  sent: boolean;
  /** Masked address the link went to, e.g. p***@example.fr. */
  to?: string;
  /** When not sent: blocked, no_email. */
  reason?: 'blocked' | 'no_email' | 'not_found';
}

export interface ConnectionSheetRow {
  accountId: string;
  /** The class through which the actor may act on the account (null: structure-wide). */
  classId: string | null;
  firstName: string;
  lastName: string;
  displayName: string;
  birthDate: string | null;
  login: string;
  profile: Profile;
  /** Kind of the live code, null when none. */
  kind: CodeKind | null;
  /** The live code in clear; null when the account has none (the sheet says so). */
  code: string | null;
  codeExpiresAt: Date | null;
  state: AccountState;
  entAddress: string;
  structureName: string;
  className: string;
  /** Relatives: their children in the sheet's class (the sheet is « pour le parent de … »). */
  children?: { id: string; displayName: string }[];
}

export interface AuditTrailEntry {
  id: string;
  at: Date;
  action: string;
  outcome: string;
  actor: { id: string; displayName: string } | null;
  target: { id: string; displayName: string } | null;
  ip: string | null;
  /** Non-secret context (never a code, password or token: the audit service strips them). */
  detail: Record<string, unknown> | null;
}

export interface CommandContext {
  /** Client IP, for the audit trail. */
  ip: string | null;
  /**
   * The class page the action came from: preferred as the class recorded in the audit trail
   * and printed on sheets when the actor may act through it, never taken on trust.
   */
  classId?: string | null;
}
