import {
  Account,
  AdminSession,
  AuditEvent,
  FederationRequest,
  OidcArtifact,
  OneTimeCode,
  PasswordResetToken,
} from '../../../src/db/entities/index.js';
import {
  addMembership,
  createAccount,
  createClass,
  createStructure,
  grantRole,
  linkRelative,
} from '../../helpers/factories.js';
import { openDomain, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openDomain();
});
afterAll(() => h.cleanup());

describe('accounts', () => {
  it('finds by id and by identifiant (trimmed, any case)', async () => {
    const child = await createAccount(h.db, { profile: 'Student', login: 'enfant.test' });
    expect((await h.domain.accounts.findById(child.id))?.login).toBe('enfant.test');
    expect((await h.domain.accounts.findByLogin(' ENFANT.test '))?.id).toBe(child.id);
    expect(await h.domain.accounts.findByLogin('inconnu')).toBeNull();
    expect(await h.domain.accounts.findById('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('reads an account exactly as TypeORM hydrates it (dates, nulls, every column)', async () => {
    const structure = await createStructure(h.db);
    const full = await createAccount(h.db, {
      profile: 'Relative',
      email: 'parent@example.test',
      birthDate: '1980-02-29',
      structureId: structure.id,
      externalId: 'EXT-42',
      password: 'une phrase de passe',
    });
    await h.db.transaction((m) =>
      m.update(
        Account,
        { id: full.id },
        {
          blockedAt: new Date(Date.UTC(2026, 10, 25, 7, 30, 15, 123)),
          lastLoginAt: new Date(Date.UTC(2026, 10, 24, 18, 0, 0, 5)),
        },
      ),
    );
    const bare = await createAccount(h.db, { profile: 'Student' });
    for (const id of [full.id, bare.id]) {
      const expected = await h.db.read((m) => m.findOneByOrFail(Account, { id }));
      const byId = await h.domain.accounts.findById(id);
      expect(byId).toEqual(expected);
      expect(byId).toBeInstanceOf(Account);
      expect(await h.domain.accounts.findByLogin(expected.login)).toEqual(expected);
    }
    const read = (await h.domain.accounts.findById(full.id))!;
    expect(read.blockedAt?.toISOString()).toBe('2026-11-25T07:30:15.123Z');
    expect(read.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('gathers claims: structure, classes and a relative’s children', async () => {
    const structure = await createStructure(h.db, { name: 'École du Centre' });
    const cm2 = await createClass(h.db, { structureId: structure.id, name: 'CM2 A' });
    const cm1 = await createClass(h.db, { structureId: structure.id, name: 'CM1 B' });
    const child = await createAccount(h.db, {
      profile: 'Student',
      firstName: 'test',
      lastName: 'enfant',
      structureId: structure.id,
      classIds: [cm2.id],
    });
    const sibling = await createAccount(h.db, {
      profile: 'Student',
      firstName: 'Léa',
      lastName: 'Abel',
      structureId: structure.id,
      classIds: [cm1.id],
    });
    const parent = await createAccount(h.db, { profile: 'Relative', structureId: structure.id });
    await linkRelative(h.db, parent.id, child.id);
    await linkRelative(h.db, parent.id, sibling.id);
    const teacher = await createAccount(h.db, { profile: 'Teacher', structureId: structure.id, classIds: [cm2.id] });
    await addMembership(h.db, teacher.id, cm1.id);
    await grantRole(h.db, teacher.id, 'class-admin', cm2.id);

    const forParent = await h.domain.accounts.claimsFor(parent.id);
    expect(forParent?.structure?.name).toBe('École du Centre');
    expect(forParent?.classes).toEqual([]);
    expect(forParent?.children).toEqual([
      { id: sibling.id, firstName: 'Léa', lastName: 'Abel', login: sibling.login },
      { id: child.id, firstName: 'test', lastName: 'enfant', login: child.login },
    ]);
    const forTeacher = await h.domain.accounts.claimsFor(teacher.id);
    expect(forTeacher?.classes.map((c) => c.name)).toEqual(['CM1 B', 'CM2 A']);
    expect(forTeacher?.children).toEqual([]);
    expect(await h.domain.accounts.claimsFor('00000000-0000-0000-0000-000000000000')).toBeNull();
  });
});

describe('audit', () => {
  it('lists the events of a class’s students and their relatives newest first, not its staff’s, paging backwards', async () => {
    const cls = await createClass(h.db);
    const elsewhere = await createClass(h.db);
    const child = await createAccount(h.db, { profile: 'Student', classIds: [cls.id] });
    const teacher = await createAccount(h.db, { profile: 'Teacher', classIds: [cls.id] });
    const parent = await createAccount(h.db, { profile: 'Relative' });
    await linkRelative(h.db, parent.id, child.id);
    const stranger = await createAccount(h.db, { profile: 'Student', classIds: [elsewhere.id] });
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 8, 0, 0, ms));
    const record = (action: string, fields: Record<string, string | null>, ms: number) =>
      h.db.transaction(async (m) => {
        await h.domain.audit.record(m, {
          action,
          outcome: 'success',
          ...fields,
          detail: { clientId: 'app', password: 'jamais', nested: { token: 'non' } },
        });
        await m.query('UPDATE audit_events SET createdAt = ? WHERE action = ?', [
          at(ms).toISOString().replace('T', ' ').replace('Z', ''),
          action,
        ]);
      });
    await record('class.note', { classId: cls.id }, 1);
    await record('code.for.child', { targetId: child.id }, 2);
    await record('login.parent', { targetId: parent.id }, 3);
    await record('login.stranger', { targetId: stranger.id }, 4);
    await record('login.teacher', { targetId: teacher.id, actorId: teacher.id, ip: '192.0.2.7' }, 5);

    const all = await h.domain.audit.listForClass(cls.id);
    expect(all.map((e) => e.action)).toEqual(['login.parent', 'code.for.child']);
    expect(all[0]!.detail).toEqual({ clientId: 'app', nested: {} });
    const page = await h.domain.audit.listForClass(cls.id, { limit: 1, before: all[0]!.createdAt });
    expect(page.map((e) => e.action)).toEqual(['code.for.child']);
    expect(JSON.stringify(await h.db.dataSource.query('SELECT detail FROM audit_events'))).not.toContain('jamais');
  });
});

describe('maintenance', () => {
  it('purges expired artifacts and throttle rows now, codes and reset links 30 days after expiry', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const past = new Date(Date.now() - 1000);
    const longAgo = new Date(Date.now() - 31 * 86400_000);
    const art = (id: string, expiresAt: Date | null) => ({
      model: 'AccessToken',
      id,
      payload: '{}',
      grantId: null,
      uid: null,
      userCode: null,
      accountId: child.id,
      expiresAt,
      consumedAt: null,
    });
    await h.db.transaction((m) =>
      m.insert(OidcArtifact, [art('expired', past), art('live', new Date(Date.now() + 60_000)), art('forever', null)]),
    );
    await h.db.transaction((m) =>
      m.query('INSERT INTO rate_limits (`key`, points, expire) VALUES (?, 1, ?), (?, 1, ?)', [
        'old',
        Date.now() - 1000,
        'new',
        Date.now() + 60_000,
      ]),
    );
    const recent = await h.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    const old = await h.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    await h.db.transaction((m) => m.update(OneTimeCode, { id: recent.id }, { expiresAt: past }));
    await h.db.transaction((m) => m.update(OneTimeCode, { id: old.id }, { expiresAt: longAgo }));
    const token = (id: string, expiresAt: Date) => ({
      id,
      accountId: child.id,
      tokenDigest: id.padEnd(64, '0'),
      requestedBy: null,
      createdAt: longAgo,
      expiresAt,
      consumedAt: null,
    });
    await h.db.transaction((m) =>
      m.insert(PasswordResetToken, [
        token('11111111-1111-1111-1111-111111111111', past),
        token('22222222-2222-2222-2222-222222222222', longAgo),
      ]),
    );

    const adminSession = (id: string, expiresAt: Date) => ({
      id,
      accountId: child.id,
      idToken: null,
      createdAt: longAgo,
      expiresAt,
    });
    await h.db.transaction((m) =>
      m.insert(AdminSession, [adminSession('ended', past), adminSession('signed-in', new Date(Date.now() + 60_000))]),
    );

    // An ÉduConnect AuthnRequest past its lifetime, and one still waiting for its answer.
    await h.db.transaction(async (m) => {
      for (const [digest, expiresAt] of [
        ['a'.repeat(64), new Date(Date.now() - 1000)],
        ['b'.repeat(64), new Date(Date.now() + 600_000)],
      ] as const)
        await m.insert(FederationRequest, {
          digest,
          interactionUid: null,
          instant: new Date().toISOString(),
          createdAt: new Date(),
          expiresAt,
          consumedAt: null,
          result: null,
          takenAt: null,
        });
    });

    expect(await h.domain.maintenance.purgeExpired()).toEqual({
      artifacts: 1,
      adminSessions: 1,
      federationRequests: 1,
      rateLimits: 1,
      resetTokens: 1,
      codes: 1,
      auditEvents: 0,
      casTickets: 0,
      departedAccounts: 0,
    });
    expect((await h.db.read((m) => m.find(OidcArtifact))).map((a) => a.id).sort()).toEqual(['forever', 'live']);
    expect(await h.db.read((m) => m.count(OneTimeCode, { where: { id: recent.id } }))).toBe(1);
    expect(await h.db.read((m) => m.count(PasswordResetToken))).toBe(1);
    expect((await h.db.read((m) => m.find(AdminSession))).map((a) => a.id)).toEqual(['signed-in']);
  });

  it('deletes audit events older than AUDIT_RETENTION_DAYS, keeps newer ones, and reports the count', async () => {
    const daysAgo = (days: number) => new Date(Date.now() - days * 86400_000);
    const event = (id: string, createdAt: Date) => ({
      id,
      actorId: null,
      action: 'login.password',
      targetId: null,
      classId: null,
      ip: '192.0.2.40',
      outcome: 'failure',
      detail: null,
      createdAt,
    });
    await h.db.transaction((m) =>
      m.insert(AuditEvent, [
        event('a0000000-0000-0000-0000-000000000001', daysAgo(400)),
        event('a0000000-0000-0000-0000-000000000002', daysAgo(366)),
        event('a0000000-0000-0000-0000-000000000003', daysAgo(364)),
        event('a0000000-0000-0000-0000-000000000004', daysAgo(1)),
      ]),
    );
    expect(await h.domain.maintenance.purgeExpired()).toMatchObject({ auditEvents: 2 });
    const left = await h.db.read((m) => m.find(AuditEvent, { where: { ip: '192.0.2.40' } }));
    expect(left.map((e) => e.id).sort()).toEqual([
      'a0000000-0000-0000-0000-000000000003',
      'a0000000-0000-0000-0000-000000000004',
    ]);
    expect(h.config.auditRetentionDays).toBe(365);
  });
});
