// A person's data, for their right of access (GDPR art. 15): what this identity provider holds
// about one account, as one JSON document. Built by naming each field it shows (never by
// copying rows), so a column added later stays out until someone decides it belongs: a
// password hash, a code (clear or digest), a token or a session's payload never appear —
// codes, reset links and grants are told by their dates and kind only.
//
//   account ─ structure, classes (every school year), roles, relatives / children,
//             one-time codes and reset links (dates), applications granted (client, scopes),
//             terms of use accepted (version, date), audit events by or about the account
import { In } from 'typeorm';
import type { Database } from '../db/index.js';
import {
  Account,
  AuditEvent,
  Membership,
  OidcArtifact,
  OneTimeCode,
  PasswordResetToken,
  RelativeLink,
  RoleAssignment,
  TermsAcceptance,
  SchoolClass,
  Structure,
} from '../db/entities/index.js';
import { DomainError } from './errors.js';

export class ExportAccountNotFound extends DomainError {
  override name = 'ExportAccountNotFound';
  constructor() {
    super('not_found', 'account_not_found', 'no account has this identifiant');
  }
}

const person = (a: Account) => ({
  identifiant: a.login,
  firstName: a.firstName,
  lastName: a.lastName,
  profile: a.profile,
});
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The grant's client and scopes, read from its payload; nothing else of it leaves. */
function grantSummary(artifact: OidcArtifact) {
  const payload = JSON.parse(artifact.payload) as { clientId?: string; openid?: { scope?: string }; iat?: number };
  return {
    application: payload.clientId ?? null,
    scopes: payload.openid?.scope?.split(' ') ?? [],
    grantedAt: payload.iat ? new Date(payload.iat * 1000).toISOString() : null,
    expiresAt: iso(artifact.expiresAt),
  };
}

export async function exportAccount(db: Database, login: string) {
  return db.read(async (manager) => {
    const account = await manager.findOneBy(Account, { login: login.trim().toLowerCase() });
    if (!account) throw new ExportAccountNotFound();
    const structure = account.structureId ? await manager.findOneBy(Structure, { id: account.structureId }) : null;
    const memberships = await manager.find(Membership, { where: { accountId: account.id } });
    const classes = memberships.length
      ? await manager.find(SchoolClass, { where: { id: In(memberships.map((m) => m.classId)) } })
      : [];
    const roles = await manager.find(RoleAssignment, { where: { accountId: account.id } });
    const links = [
      ...(await manager.find(RelativeLink, { where: { relativeId: account.id } })),
      ...(await manager.find(RelativeLink, { where: { studentId: account.id } })),
    ];
    const others = links.length
      ? await manager.find(Account, { where: { id: In(links.flatMap((l) => [l.relativeId, l.studentId])) } })
      : [];
    const byId = new Map(others.map((a) => [a.id, a]));
    const codes = await manager.find(OneTimeCode, { where: { accountId: account.id }, order: { createdAt: 'ASC' } });
    const resets = await manager.find(PasswordResetToken, {
      where: { accountId: account.id },
      order: { createdAt: 'ASC' },
    });
    const grants = await manager.find(OidcArtifact, { where: { accountId: account.id, model: 'Grant' } });
    const acceptances = await manager.find(TermsAcceptance, {
      where: { accountId: account.id },
      order: { acceptedAt: 'ASC' },
    });
    const events = [
      ...(await manager.find(AuditEvent, { where: { targetId: account.id } })),
      ...(await manager.find(AuditEvent, { where: { actorId: account.id } })),
    ].filter((e, i, all) => all.findIndex((o) => o.id === e.id) === i);
    events.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    return {
      exportedAt: new Date().toISOString(),
      account: {
        id: account.id,
        ...person(account),
        birthDate: account.birthDate,
        email: account.email,
        nationalOrSchoolId: account.externalId,
        school: structure ? { uai: structure.uai, name: structure.name } : null,
        activatedAt: iso(account.activatedAt),
        blockedAt: iso(account.blockedAt),
        lastLoginAt: iso(account.lastLoginAt),
        passwordChangedAt: iso(account.passwordChangedAt),
        hasPassword: account.passwordHash !== null,
        createdAt: iso(account.createdAt),
        updatedAt: iso(account.updatedAt),
      },
      classes: classes
        .map((c) => ({ name: c.name, schoolYear: c.schoolYear }))
        .sort((a, b) => a.schoolYear.localeCompare(b.schoolYear) || a.name.localeCompare(b.name)),
      roles: roles.map((r) => ({
        role: r.role,
        scope:
          classes.find((c) => c.id === r.scopeId)?.name ?? (r.scopeId === structure?.id ? structure.name : r.scopeId),
      })),
      children: links.filter((l) => l.relativeId === account.id).map((l) => person(byId.get(l.studentId)!)),
      relatives: links.filter((l) => l.studentId === account.id).map((l) => person(byId.get(l.relativeId)!)),
      oneTimeCodes: codes.map((c) => ({
        kind: c.kind,
        createdAt: iso(c.createdAt),
        expiresAt: iso(c.expiresAt),
        consumedAt: iso(c.consumedAt),
        revokedAt: iso(c.revokedAt),
      })),
      passwordResetLinks: resets.map((r) => ({
        createdAt: iso(r.createdAt),
        expiresAt: iso(r.expiresAt),
        consumedAt: iso(r.consumedAt),
      })),
      applications: grants.map(grantSummary),
      termsOfUseAccepted: acceptances.map((a) => ({ version: a.version, acceptedAt: iso(a.acceptedAt) })),
      auditEvents: events.map((e) => ({
        at: iso(e.createdAt),
        action: e.action,
        outcome: e.outcome,
        byThisAccount: e.actorId === account.id,
        aboutThisAccount: e.targetId === account.id,
        ip: e.ip,
        // Audit details never hold a secret (audit.ts strips such keys when writing).
        detail: e.detail ? (JSON.parse(e.detail) as unknown) : null,
      })),
    };
  });
}

export type AccountExport = Awaited<ReturnType<typeof exportAccount>>;
