import { IsNull } from 'typeorm';
import { OneTimeCode } from '../../../src/db/entities/index.js';
import { createAccount, createClass } from '../../helpers/factories.js';
import { openDomain, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openDomain();
});
afterAll(() => h.cleanup());

describe('one-time codes', () => {
  it('generates a code, and a new one revokes the previous one in the same transaction', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const first = await h.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    expect(first.code).toMatch(/^[abcdefghjkmnprstvwxyz3456789]{8}$/);
    expect((await h.domain.codes.liveCode(child.id))?.code).toBe(first.code);

    const second = await h.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    const live = await h.domain.codes.liveCode(child.id);
    expect(live).toMatchObject({ id: second.id, kind: 'renewal', code: second.code });
    expect(await h.domain.codes.matchLive(child.id, first.code)).toBeNull();

    const rows = await h.db.read((m) => m.find(OneTimeCode, { where: { accountId: child.id } }));
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.revokedAt === null && r.consumedAt === null)).toHaveLength(1);
    expect(rows.find((r) => r.id === first.id)?.revokedAt).toBeInstanceOf(Date);
  });

  it('renewal codes live RENEWAL_CODE_TTL; activation codes until the next school year', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const before = Date.now();
    const renewal = await h.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    expect(renewal.expiresAt.getTime() - before).toBeGreaterThanOrEqual(h.config.codes.renewalTtl * 1000 - 1000);
    expect(renewal.expiresAt.getTime() - before).toBeLessThanOrEqual(h.config.codes.renewalTtl * 1000 + 1000);
    const activation = await h.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    expect(activation.expiresAt.toISOString()).toMatch(/-09-01T00:00:00\.000Z$/);
    expect(activation.expiresAt.getTime()).toBeGreaterThan(before);
  });

  it('matches what people type: any case, with spaces; never another account’s code', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const other = await createAccount(h.db, { profile: 'Student' });
    const { id, code } = await h.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    const spaced = ` ${code.slice(0, 4).toUpperCase()} ${code.slice(4)} `;
    expect(await h.domain.codes.matchLive(child.id, spaced)).toEqual({ id, kind: 'activation' });
    expect(await h.domain.codes.matchLive(child.id, code.toUpperCase())).toEqual({ id, kind: 'activation' });
    expect(await h.domain.codes.matchLive(other.id, code)).toBeNull();
    expect(await h.domain.codes.matchLive(child.id, 'abcdefgh')).toBeNull();
    expect(h.domain.codes.normalize(spaced)).toBe(code);
  });

  it('refuses an expired code', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const { id, code } = await h.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    await h.db.transaction((m) => m.update(OneTimeCode, { id }, { expiresAt: new Date(Date.now() - 1000) }));
    expect(await h.domain.codes.matchLive(child.id, code)).toBeNull();
    expect(await h.domain.codes.liveCode(child.id)).toBeNull();
    expect(await h.db.transaction((m) => h.domain.codes.consume(m, id))).toBe(false);
  });

  it('consumes a live code exactly once (conditional update, affected rows)', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const { id } = await h.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    expect(await h.db.transaction((m) => h.domain.codes.consume(m, id))).toBe(true);
    expect(await h.db.transaction((m) => h.domain.codes.consume(m, id))).toBe(false);
    expect(await h.domain.codes.liveCode(child.id)).toBeNull();
  });

  it('lists live codes in bulk for a class listing', async () => {
    const cls = await createClass(h.db);
    const children = await Promise.all(
      [1, 2, 3].map(() => createAccount(h.db, { profile: 'Student', classIds: [cls.id] })),
    );
    const issued = await h.domain.codes.issue({ accountId: children[0]!.id, kind: 'activation', createdBy: null });
    await h.domain.codes.issue({ accountId: children[1]!.id, kind: 'activation', createdBy: null });
    const renewal = await h.domain.codes.issue({ accountId: children[1]!.id, kind: 'renewal', createdBy: null });
    const live = await h.domain.codes.liveCodes(children.map((c) => c.id));
    expect(live.size).toBe(2);
    expect(live.get(children[0]!.id)?.code).toBe(issued.code);
    expect(live.get(children[1]!.id)).toMatchObject({ kind: 'renewal', code: renewal.code });
    expect(live.has(children[2]!.id)).toBe(false);
    expect((await h.domain.codes.liveCodes([])).size).toBe(0);
  });

  it('keeps no code in clear in the table, and audits generation without the code', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const { code } = await h.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    const table = JSON.stringify(await h.db.dataSource.query('SELECT * FROM one_time_codes'));
    expect(table).not.toContain(code);
    const audit = JSON.stringify(await h.db.dataSource.query('SELECT * FROM audit_events'));
    expect(audit).toContain('code.generate');
    expect(audit).not.toContain(code);
    expect(await h.db.read((m) => m.count(OneTimeCode, { where: { accountId: child.id, consumedAt: IsNull() } }))).toBe(
      1,
    );
  });
});
