// The domain: plain services over the database, no HTTP. The only code that writes
// accounts, codes, passwords, throttling state and audit events. Every write runs in
// `db.transaction` and records its audit event in it; services taking an EntityManager run
// inside the caller's transaction (and never open one of their own: on SQLite transactions
// queue, so a nested one would wait for ever).
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import { createAccounts, type Accounts } from './accounts.js';
import { createAdminSessions, type AdminSessions } from './admin-sessions.js';
import { createAdmin, type Admin } from './admin/index.js';
import { createCasDomain, type CasDomain } from './cas/index.js';
import { createSamlDomain, type SamlDomain } from './saml/index.js';
import { createAudit, type Audit } from './audit.js';
import { createBadges, type Badges } from './badges.js';
import { createCodes, type Codes } from './codes/index.js';
import { createEduconnect, type Educonnect } from './educonnect/index.js';
import { createLogin, type Login } from './login/index.js';
import { createMail, type Mail } from './mail.js';
import { createMaintenance, type Maintenance } from './maintenance.js';
import { createPasswords, type Passwords } from './passwords/index.js';
import { createRecovery, type Recovery } from './recovery.js';
import { createLogoutQueue, type LogoutQueue } from './logout-queue.js';
import { schoolYearInForce, type SchoolYearInForce } from './school-year.js';
import { createSessions, type Sessions } from './sessions.js';
import { createTerms, type Terms } from './terms.js';
import { createThrottle, type Throttle } from './throttle.js';
import { createWorkMeter, type WorkMeter } from './work.js';

export type { Accounts, AccountClaims, ChildSummary } from './accounts.js';
export type { Admin } from './admin/index.js';
export type { AdminSessions, AdminSignIn } from './admin-sessions.js';
export type { Audit, AuditEntry, AuditInput, AuditOutcome } from './audit.js';
export type { Badges, BadgeSignIn, PrintedBadge } from './badges.js';
export type { Codes, GenerateInput, LiveCode } from './codes/index.js';
export type {
  AuthenticateInput,
  AuthenticateResult,
  CompleteCodeInput,
  CompleteCodeResult,
  Login,
} from './login/index.js';
export type { Mail, MailMessage, SentMail } from './mail.js';
export type { Maintenance, PurgeCounts } from './maintenance.js';
export type { Passwords, VerifyResult } from './passwords/index.js';
export type { ChildResetResult, CompleteResetResult, Recovery } from './recovery.js';
export type { Sessions } from './sessions.js';
export type { Acceptance, Terms, TermsSummary } from './terms.js';
export type { LogoutQueue, LogoutTarget } from './logout-queue.js';
export type { Throttle, ThrottleCheck } from './throttle.js';
export type { WorkKind, WorkMeter } from './work.js';

export interface DomainDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

export interface Domain extends DomainDeps {
  accounts: Accounts;
  admin: Admin;
  /** The CAS services registry and service tickets (src/cas serves them). */
  cas: CasDomain;
  /** The SAML service providers registry and AuthnRequest ids (src/saml serves them). */
  saml: SamlDomain;
  adminSessions: AdminSessions;
  audit: Audit;
  /** Badge sign-in of the youngest classes (QR badges). */
  badges: Badges;
  codes: Codes;
  /** ÉduConnect links and federated sign-ins (src/educonnect serves the SAML side). */
  educonnect: Educonnect;
  login: Login;
  logoutQueue: LogoutQueue;
  mail: Mail;
  maintenance: Maintenance;
  passwords: Passwords;
  recovery: Recovery;
  sessions: Sessions;
  /** The terms of use (« charte »): published versions and acceptances. */
  terms: Terms;
  throttle: Throttle;
  /** Counts the work an attempt costs (argon2 verifications, code and recovery lookups). */
  work: WorkMeter;
  /** The school years in force (the calendar's, and each school's after a rollover). */
  yearInForce: SchoolYearInForce;
}

export function createDomain(deps: DomainDeps): Domain {
  const { config, db, logger } = deps;
  const yearInForce = schoolYearInForce(config.codes.schoolYearStart);
  const accounts = createAccounts(db, yearInForce);
  const audit = createAudit(db, logger);
  const work = createWorkMeter();
  const passwords = createPasswords(config, work);
  const codes = createCodes({ config, db, audit, work });
  const logoutQueue = createLogoutQueue();
  const sessions = createSessions(logoutQueue);
  const throttle = createThrottle({ config, db });
  const mail = createMail({ config, logger });
  const login = createLogin({ db, accounts, audit, codes, passwords, sessions, throttle });
  const recovery = createRecovery({ config, db, accounts, audit, codes, mail, passwords, sessions, work });
  const cas = createCasDomain({ config, db, audit, accounts });
  const saml = createSamlDomain({ config, db, audit, accounts });
  const maintenance = createMaintenance(db, {
    auditRetentionDays: config.auditRetentionDays,
    departedRetentionDays: config.departedRetentionDays,
    yearInForce,
    logouts: logoutQueue,
    // A CAS ticket is kept (sealed) while its session may live, for single logout.
    purgeCasTickets: () => cas.tickets.purge(config.ttl.rememberMe),
  });
  const terms = createTerms({ db, audit, sessions });
  const admin = createAdmin({ db, audit, codes, recovery, sessions, terms, yearInForce });
  const adminSessions = createAdminSessions(db, config.ttl.session);
  const educonnect = createEduconnect({ config, db, audit, policies: admin.policies });
  const badges = createBadges({ config, db, audit, throttle, policies: admin.policies, yearInForce });
  return {
    ...deps,
    accounts,
    admin,
    adminSessions,
    audit,
    badges,
    cas,
    saml,
    codes,
    educonnect,
    login,
    logoutQueue,
    mail,
    maintenance,
    passwords,
    recovery,
    sessions,
    terms,
    throttle,
    work,
    yearInForce,
  };
}
