// Retention of departed accounts (issue 20): the purge deletes an account departed longer
// than DEPARTED_RETENTION_DAYS ago with everything attached to it, and anonymises the audit
// events naming it; a recent departure, or a pupil placed again in a class of the year in
// force, is kept.
import { randomUUID } from 'node:crypto';
import { Account, AuditEvent, Membership, OneTimeCode, RelativeLink } from '../../../src/db/entities/index.js';
import { DELETED_ACCOUNT_DETAIL } from '../../../src/domain/departed-retention.js';
import {
  addMembership,
  createAccount,
  createClass,
  createStructure,
  linkRelative,
  SCHOOL_YEAR,
} from '../../helpers/factories.js';
import { openDomain, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openDomain();
});
afterAll(() => h.cleanup());

const daysAgo = (days: number) => new Date(Date.now() - days * 86400_000);
const [first] = SCHOOL_YEAR.split('-').map(Number) as [number, number];

describe('purge of departed accounts', () => {
  it('deletes an account departed longer ago than the setting, anonymises its audit events, keeps recent ones', async () => {
    expect(h.config.departedRetentionDays).toBe(365);
    const structure = await createStructure(h.db);
    const past = await createClass(h.db, { structureId: structure.id, schoolYear: `${first - 1}-${first}` });
    const current = await createClass(h.db, { structureId: structure.id });
    const base = { profile: 'Student' as const, structureId: structure.id };
    const old = await createAccount(h.db, { ...base, departedAt: daysAgo(400), blockedAt: daysAgo(400) });
    const recent = await createAccount(h.db, { ...base, departedAt: daysAgo(10), blockedAt: daysAgo(10) });
    const back = await createAccount(h.db, { ...base, departedAt: daysAgo(400), blockedAt: daysAgo(400) });
    const parent = await createAccount(h.db, { profile: 'Relative', structureId: structure.id });
    for (const a of [old, recent, back]) await addMembership(h.db, a.id, past.id);
    await addMembership(h.db, back.id, current.id);
    await linkRelative(h.db, parent.id, old.id);
    await h.db.transaction((m) =>
      h.domain.codes.generate(m, { accountId: old.id, kind: 'activation', createdBy: null, classId: past.id }),
    );
    const event = (actorId: string | null, targetId: string | null, identifiant: string) => ({
      id: randomUUID(),
      actorId,
      action: 'login.password',
      targetId,
      classId: past.id,
      ip: '192.0.2.50',
      outcome: 'success',
      detail: JSON.stringify({ identifiant }),
      createdAt: daysAgo(30),
    });
    const events = [
      event(old.id, old.id, old.login),
      event(parent.id, old.id, old.login),
      event(recent.id, recent.id, recent.login),
    ];
    await h.db.transaction((m) => m.insert(AuditEvent, events));

    expect(await h.domain.maintenance.purgeExpired()).toMatchObject({ departedAccounts: 1 });

    const left = await h.db.read((m) => m.find(Account, { where: { structureId: structure.id } }));
    expect(left.map((a) => a.id).sort()).toEqual([recent.id, back.id, parent.id].sort());
    expect(await h.db.read((m) => m.count(OneTimeCode, { where: { accountId: old.id } }))).toBe(0);
    expect(await h.db.read((m) => m.count(Membership, { where: { accountId: old.id } }))).toBe(0);
    expect(await h.db.read((m) => m.count(RelativeLink, { where: { studentId: old.id } }))).toBe(0);
    expect(await h.db.read((m) => m.count(Membership, { where: { accountId: recent.id } }))).toBe(1);

    const trail = await h.db.read((m) => m.find(AuditEvent, { where: { classId: past.id } }));
    const byId = new Map(trail.map((e) => [e.id, e]));
    expect(byId.get(events[0]!.id)).toMatchObject({
      actorId: null,
      targetId: null,
      ip: null,
      detail: DELETED_ACCOUNT_DETAIL,
      action: 'login.password',
    });
    expect(byId.get(events[1]!.id)).toMatchObject({
      actorId: parent.id,
      targetId: null,
      detail: DELETED_ACCOUNT_DETAIL,
    });
    expect(byId.get(events[2]!.id)).toMatchObject({ actorId: recent.id, targetId: recent.id, ip: '192.0.2.50' });
    expect(JSON.stringify(trail)).not.toContain(old.login);
    expect(JSON.stringify(trail)).not.toContain(old.id);
  });
});
