import argon2 from 'argon2';
import { Account, AuditEvent, OidcArtifact } from '../../../src/db/entities/index.js';
import { createAccount } from '../../helpers/factories.js';
import { openDomain, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openDomain();
});
afterAll(() => h.cleanup());

const PASSWORD = 'une phrase de passe solide';
let ipCounter = 0;
/** A fresh IP per test so throttling from one test does not leak into another. */
const ip = () => `192.0.2.${++ipCounter}`;

const artifact = (accountId: string, model: string, id: string): OidcArtifact =>
  Object.assign(new OidcArtifact(), {
    model,
    id,
    payload: '{}',
    grantId: null,
    uid: null,
    userCode: null,
    accountId,
    expiresAt: new Date(Date.now() + 3600_000),
    consumedAt: null,
  });

describe('authenticate', () => {
  it('signs in with the password (identifiant trimmed, any case) and records lastLoginAt', async () => {
    const child = await createAccount(h.db, { profile: 'Student', login: 'enfant.test', password: PASSWORD });
    const result = await h.domain.login.authenticate({
      login: '  Enfant.TEST ',
      secret: PASSWORD,
      ip: ip(),
      clientId: 'app',
    });
    expect(result).toMatchObject({ outcome: 'password', account: { id: child.id } });
    const stored = await h.db.read((m) => m.findOneByOrFail(Account, { id: child.id }));
    expect(stored.lastLoginAt).toBeInstanceOf(Date);
    const events = await h.db.read((m) =>
      m.find(AuditEvent, { where: { targetId: child.id, action: 'login.password' } }),
    );
    expect(events.map((e) => e.outcome)).toEqual(['success']);
    expect(JSON.parse(events[0]!.detail!)).toEqual({ clientId: 'app' });
  });

  it('refuses a wrong password and an unknown identifiant alike, auditing the typed identifiant only when unknown', async () => {
    const child = await createAccount(h.db, { profile: 'Student', password: PASSWORD });
    expect(
      await h.domain.login.authenticate({ login: child.login, secret: 'pas le bon mot de passe', ip: ip() }),
    ).toEqual({ outcome: 'invalid' });
    expect(await h.domain.login.authenticate({ login: 'personne.inconnue', secret: PASSWORD, ip: ip() })).toEqual({
      outcome: 'invalid',
    });
    const failures = await h.db.read((m) =>
      m.find(AuditEvent, { where: { action: 'login.password', outcome: 'failure' } }),
    );
    const known = failures.find((e) => e.targetId === child.id)!;
    expect(JSON.parse(known.detail!)).toEqual({ clientId: null });
    const unknown = failures.find((e) => e.targetId === null)!;
    expect(JSON.parse(unknown.detail!)).toEqual({ clientId: null, typedLogin: 'personne.inconnue' });
    const everything = JSON.stringify(await h.db.dataSource.query('SELECT * FROM audit_events'));
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain('pas le bon mot de passe');
  });

  it('tries the password first, then the live code (any case, with spaces)', async () => {
    const child = await createAccount(h.db, { profile: 'Student', password: PASSWORD });
    const { id, code } = await h.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    expect(await h.domain.login.authenticate({ login: child.login, secret: PASSWORD, ip: ip() })).toMatchObject({
      outcome: 'password',
    });
    const typed = `${code.slice(0, 4).toUpperCase()} ${code.slice(4)}`;
    expect(await h.domain.login.authenticate({ login: child.login, secret: typed, ip: ip() })).toMatchObject({
      outcome: 'code',
      codeId: id,
      codeKind: 'renewal',
      account: { id: child.id },
    });
    const events = await h.db.read((m) => m.find(AuditEvent, { where: { targetId: child.id, action: 'login.code' } }));
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).not.toContain(code);
  });

  it('an account never activated signs in with its activation code only', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const { code } = await h.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    expect(await h.domain.login.authenticate({ login: child.login, secret: 'nimporte quoi', ip: ip() })).toEqual({
      outcome: 'invalid',
    });
    expect(await h.domain.login.authenticate({ login: child.login, secret: code, ip: ip() })).toMatchObject({
      outcome: 'code',
      codeKind: 'activation',
    });
  });

  it('says « blocked » only once the secret was right', async () => {
    const child = await createAccount(h.db, { profile: 'Student', password: PASSWORD, blockedAt: new Date() });
    const { code } = await h.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    expect(
      await h.domain.login.authenticate({ login: child.login, secret: 'pas le bon mot de passe', ip: ip() }),
    ).toEqual({ outcome: 'invalid' });
    expect(await h.domain.login.authenticate({ login: child.login, secret: PASSWORD, ip: ip() })).toEqual({
      outcome: 'blocked',
    });
    expect(await h.domain.login.authenticate({ login: child.login, secret: code, ip: ip() })).toEqual({
      outcome: 'blocked',
    });
    const outcomes = (
      await h.db.read((m) => m.find(AuditEvent, { where: { targetId: child.id }, order: { createdAt: 'ASC' } }))
    ).map((e) => `${e.action}:${e.outcome}`);
    expect(outcomes).toEqual(
      expect.arrayContaining(['login.password:failure', 'login.password:blocked', 'login.code:blocked']),
    );
  });

  it('rehashes transparently when the stored parameters differ from the configuration', async () => {
    const old = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 2048, timeCost: 1, parallelism: 1 });
    const child = await createAccount(h.db, { profile: 'Student', passwordHash: old });
    expect(await h.domain.login.authenticate({ login: child.login, secret: PASSWORD, ip: ip() })).toMatchObject({
      outcome: 'password',
    });
    const stored = await h.db.read((m) => m.findOneByOrFail(Account, { id: child.id }));
    expect(stored.passwordHash).not.toBe(old);
    expect(stored.passwordHash).toContain('m=1024');
    expect(await h.domain.login.authenticate({ login: child.login, secret: PASSWORD, ip: ip() })).toMatchObject({
      outcome: 'password',
    });
  });
});

describe('completeCode', () => {
  it('of 50 concurrent uses of one code exactly one sets the password', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const { id: codeId } = await h.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h.domain.login.completeCode({
          accountId: child.id,
          codeId,
          newPassword: `phrase secrète numéro ${i}`,
          confirmation: `phrase secrète numéro ${i}`,
          ip: '198.51.100.1',
        }),
      ),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.error === 'code_used')).toHaveLength(49);
    const winner = results.findIndex((r) => r.ok);
    expect(
      await h.domain.login.authenticate({ login: child.login, secret: `phrase secrète numéro ${winner}`, ip: ip() }),
    ).toMatchObject({ outcome: 'password' });
    const stored = await h.db.read((m) => m.findOneByOrFail(Account, { id: child.id }));
    expect(stored.activatedAt).toBeInstanceOf(Date);
    expect(
      await h.db.read((m) => m.count(AuditEvent, { where: { targetId: child.id, action: 'password.set_from_code' } })),
    ).toBe(1);
  });

  it('a renewal code replaces the password: the old one fails, the new one works, other sessions end', async () => {
    const child = await createAccount(h.db, { profile: 'Student', password: PASSWORD });
    const activatedAt = (await h.db.read((m) => m.findOneByOrFail(Account, { id: child.id }))).activatedAt;
    await h.db.transaction((m) =>
      m.insert(OidcArtifact, [
        artifact(child.id, 'Session', 's1'),
        artifact(child.id, 'RefreshToken', 'r1'),
        artifact(child.id, 'Interaction', 'i1'),
      ]),
    );
    const { code } = await h.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    const matched = await h.domain.login.authenticate({ login: child.login, secret: code, ip: ip() });
    if (matched.outcome !== 'code') throw new Error(`expected code, got ${matched.outcome}`);

    const result = await h.domain.login.completeCode({
      accountId: child.id,
      codeId: matched.codeId,
      newPassword: 'un tout nouveau mot de passe',
      confirmation: 'un tout nouveau mot de passe',
      ip: ip(),
      clientId: 'app',
    });
    expect(result).toMatchObject({ ok: true, account: { id: child.id } });
    expect(await h.domain.login.authenticate({ login: child.login, secret: PASSWORD, ip: ip() })).toEqual({
      outcome: 'invalid',
    });
    expect(
      await h.domain.login.authenticate({ login: child.login, secret: 'un tout nouveau mot de passe', ip: ip() }),
    ).toMatchObject({ outcome: 'password' });
    // Refused: a dead code of this account (CONNEXION says so, issue 21), not a sign-in.
    expect(await h.domain.login.authenticate({ login: child.login, secret: code, ip: ip() })).toEqual({
      outcome: 'dead_code',
      account: { profile: 'Student' },
    });
    const stored = await h.db.read((m) => m.findOneByOrFail(Account, { id: child.id }));
    expect(stored.activatedAt?.getTime()).toBe(activatedAt?.getTime());
    expect(stored.passwordChangedAt!.getTime()).toBeGreaterThan(activatedAt!.getTime() - 1);
    expect(
      (await h.db.read((m) => m.find(OidcArtifact, { where: { accountId: child.id } }))).map((a) => a.model),
    ).toEqual(['Interaction']);
  });

  it('refuses a mismatch, a policy failure and the code itself, writing nothing', async () => {
    const child = await createAccount(h.db, { profile: 'Student', login: 'eleve.politique' });
    const { id: codeId, code } = await h.domain.codes.issue({
      accountId: child.id,
      kind: 'activation',
      createdBy: null,
    });
    const attempt = (newPassword: string, confirmation = newPassword) =>
      h.domain.login.completeCode({ accountId: child.id, codeId, newPassword, confirmation, ip: ip() });
    expect(await attempt('une phrase de passe', 'une autre phrase')).toMatchObject({
      ok: false,
      error: 'mismatch',
      message: expect.stringMatching(/confirmation/),
    });
    expect(await attempt('court')).toMatchObject({
      ok: false,
      error: 'policy',
      message: expect.stringMatching(/au moins 8 caractères/),
    });
    expect(await attempt('Eleve.Politique')).toMatchObject({
      ok: false,
      error: 'policy',
      message: expect.stringMatching(/identifiant/),
    });
    expect(await attempt(code.toUpperCase())).toMatchObject({
      ok: false,
      error: 'policy',
      message: expect.stringMatching(/code reçu/),
    });
    expect(await attempt('password1')).toMatchObject({
      ok: false,
      error: 'policy',
      message: expect.stringMatching(/trop courant/),
    });
    expect((await h.domain.codes.liveCode(child.id))?.id).toBe(codeId);
    expect((await h.db.read((m) => m.findOneByOrFail(Account, { id: child.id }))).passwordHash).toBeNull();
  });

  it('refuses a code of another account, a revoked code, and a blocked account', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const other = await createAccount(h.db, { profile: 'Student' });
    const first = await h.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: null });
    const input = { newPassword: 'une phrase de passe', confirmation: 'une phrase de passe', ip: ip() };
    expect(await h.domain.login.completeCode({ ...input, accountId: other.id, codeId: first.id })).toMatchObject({
      ok: false,
      error: 'code_used',
    });
    const second = await h.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    expect(await h.domain.login.completeCode({ ...input, accountId: child.id, codeId: first.id })).toMatchObject({
      ok: false,
      error: 'code_used',
    });
    await h.db.transaction((m) => m.update(Account, { id: child.id }, { blockedAt: new Date() }));
    expect(await h.domain.login.completeCode({ ...input, accountId: child.id, codeId: second.id })).toMatchObject({
      ok: false,
      error: 'code_used',
    });
  });
});
