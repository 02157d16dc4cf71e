import { Account, AuditEvent, OidcArtifact, PasswordResetToken } from '../../../src/db/entities/index.js';
import { RESET_PATH } from '../../../src/domain/recovery.js';
import { createAccount } from '../../helpers/factories.js';
import { mailBody, openDomain, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openDomain();
});
afterAll(() => h.cleanup());

const PASSWORD = 'une phrase de passe solide';
const tokenIn = (body: string) => new RegExp(`${RESET_PATH}([A-Za-z0-9_-]{43})`).exec(body)?.[1];

describe('password reset links', () => {
  it('mails a link that works once, stores only its digest, and ends other sessions', async () => {
    const parent = await createAccount(h.db, { profile: 'Relative', password: PASSWORD, email: 'Parent@Example.test' });
    await h.domain.recovery.requestPasswordReset({ login: ` ${parent.login.toUpperCase()} `, ip: '192.0.2.10' });
    await h.domain.mail.idle();
    const mails = h.mails();
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatch(/^To: Parent@example\.test$/m);
    const body = mailBody(mails[0]!);
    expect(body).toContain(`${h.config.issuer}${RESET_PATH}`);
    expect(body).toContain('valable 1 heure');
    const token = tokenIn(body)!;
    expect(token).toBeDefined();
    expect(JSON.stringify(await h.db.dataSource.query('SELECT * FROM password_reset_tokens'))).not.toContain(token);

    expect((await h.domain.recovery.findResetToken(token))?.id).toBe(parent.id);
    expect(await h.domain.recovery.findResetToken('x'.repeat(43))).toBeNull();
    await h.db.transaction((m) =>
      m.insert(OidcArtifact, {
        model: 'Session',
        id: 'sess-parent',
        payload: '{}',
        grantId: null,
        uid: null,
        userCode: null,
        accountId: parent.id,
        expiresAt: null,
        consumedAt: null,
      }),
    );

    const mismatch = await h.domain.recovery.completeReset({
      token,
      newPassword: 'nouvelle phrase de passe',
      confirmation: 'autre chose',
      ip: '192.0.2.10',
    });
    expect(mismatch).toMatchObject({ ok: false, error: 'mismatch' });
    const done = await h.domain.recovery.completeReset({
      token,
      newPassword: 'nouvelle phrase de passe',
      confirmation: 'nouvelle phrase de passe',
      ip: '192.0.2.10',
    });
    expect(done).toMatchObject({ ok: true, account: { id: parent.id } });
    const again = await h.domain.recovery.completeReset({
      token,
      newPassword: 'encore une autre phrase',
      confirmation: 'encore une autre phrase',
      ip: '192.0.2.10',
    });
    expect(again).toMatchObject({ ok: false, error: 'code_used', message: expect.stringMatching(/lien/) });
    expect(await h.domain.recovery.findResetToken(token)).toBeNull();

    expect(await h.domain.login.authenticate({ login: parent.login, secret: PASSWORD, ip: '192.0.2.11' })).toEqual({
      outcome: 'invalid',
    });
    expect(
      await h.domain.login.authenticate({ login: parent.login, secret: 'nouvelle phrase de passe', ip: '192.0.2.11' }),
    ).toMatchObject({ outcome: 'password' });
    expect(await h.db.read((m) => m.count(OidcArtifact, { where: { accountId: parent.id } }))).toBe(0);
    expect(
      await h.db.read((m) =>
        m.count(AuditEvent, { where: { targetId: parent.id, action: 'password.reset', outcome: 'success' } }),
      ),
    ).toBe(1);
  });

  it('answers the same for an unknown identifiant, an account without email and a blocked one, mailing nothing', async () => {
    const before = h.mails().length;
    const noEmail = await createAccount(h.db, { profile: 'Student', password: PASSWORD });
    const blocked = await createAccount(h.db, {
      profile: 'Relative',
      password: PASSWORD,
      email: 'bloque@example.test',
      blockedAt: new Date(),
    });
    for (const login of ['personne.inconnue', noEmail.login, blocked.login]) {
      await expect(h.domain.recovery.requestPasswordReset({ login, ip: '192.0.2.12' })).resolves.toBeUndefined();
    }
    await h.domain.mail.idle();
    expect(h.mails()).toHaveLength(before);
    const reasons = (
      await h.db.read((m) => m.find(AuditEvent, { where: { action: 'password.reset_request', outcome: 'refused' } }))
    ).map((e) => JSON.parse(e.detail!).reason);
    expect(reasons).toEqual(expect.arrayContaining(['unknown_login', 'no_email', 'blocked']));
  });

  it('does not mail a second link within a minute', async () => {
    const parent = await createAccount(h.db, { profile: 'Relative', email: 'deux@example.test' });
    const before = h.mails().length;
    await h.domain.recovery.requestPasswordReset({ login: parent.login, ip: '192.0.2.13' });
    await h.domain.recovery.requestPasswordReset({ login: parent.login, ip: '192.0.2.13' });
    await h.domain.mail.idle();
    expect(h.mails()).toHaveLength(before + 1);
    expect(await h.db.read((m) => m.count(PasswordResetToken, { where: { accountId: parent.id } }))).toBe(1);
  });

  it('for a child without email, mails the link to the teacher; a never-activated child gets activated', async () => {
    const teacher = await createAccount(h.db, { profile: 'Teacher', email: 'prof@example.test' });
    const child = await createAccount(h.db, { profile: 'Student', firstName: 'test', lastName: 'enfant' });
    const { code } = await h.domain.codes.issue({ accountId: child.id, kind: 'activation', createdBy: teacher.id });
    const result = await h.domain.recovery.requestPasswordResetForChild({
      accountId: child.id,
      requestedBy: teacher.id,
      ip: '192.0.2.14',
      mailTo: teacher.email,
    });
    expect(result).toMatchObject({ sent: true, to: 'prof@example.test' });
    const mail = h.mails().at(-1)!;
    expect(mail).toMatch(/^To: prof@example\.test$/m);
    const body = mailBody(mail);
    expect(body).toContain('test enfant');
    const done = await h.domain.recovery.completeReset({
      token: tokenIn(body)!,
      newPassword: 'la phrase de l’enfant',
      confirmation: 'la phrase de l’enfant',
      ip: '192.0.2.14',
    });
    expect(done.ok).toBe(true);
    const stored = await h.db.read((m) => m.findOneByOrFail(Account, { id: child.id }));
    expect(stored.activatedAt).toBeInstanceOf(Date);
    expect(stored.lastLoginAt).toBeNull();
    expect(await h.domain.codes.liveCode(child.id)).toBeNull(); // the activation code is no longer needed
    // Refused: a dead code of this account (CONNEXION says so, issue 21), not a sign-in.
    expect(await h.domain.login.authenticate({ login: child.login, secret: code, ip: '192.0.2.15' })).toEqual({
      outcome: 'dead_code',
      account: { profile: 'Student' },
    });
    expect(
      await h.domain.recovery.requestPasswordResetForChild({
        accountId: child.id,
        requestedBy: teacher.id,
        ip: '192.0.2.14',
      }),
    ).toEqual({ sent: false, reason: 'no_email' });
  });
});

describe('forgotten identifiant', () => {
  it('mails every identifiant tied to the address (typed in any case), and audits a digest of it only', async () => {
    // Addresses are stored normalised (roster import: normalizeEmail), compared exactly.
    const a = await createAccount(h.db, {
      profile: 'Relative',
      firstName: 'Marie',
      lastName: 'Dupont',
      email: 'famille.dupont@example.test',
    });
    const b = await createAccount(h.db, {
      profile: 'Student',
      firstName: 'Léo',
      lastName: 'Dupont',
      email: 'famille.dupont@example.test',
    });
    const before = h.mails().length;
    await h.domain.recovery.forgotLogin({ email: '  FAMILLE.dupont@example.test ', ip: '192.0.2.16' });
    await h.domain.recovery.forgotLogin({ email: 'nobody@example.test', ip: '192.0.2.16' });
    await h.domain.mail.idle();
    const mails = h.mails().slice(before);
    expect(mails).toHaveLength(1);
    const body = mailBody(mails[0]!);
    expect(body).toContain(a.login);
    expect(body).toContain(b.login);
    expect(body).toContain('Léo Dupont');
    const audit = JSON.stringify(
      await h.db.dataSource.query("SELECT * FROM audit_events WHERE action = 'login.forgot'"),
    );
    expect(audit.toLowerCase()).not.toContain('famille.dupont');
    expect(audit).not.toContain('nobody@');
    expect(audit).toContain('emailDigest');
  });
});
