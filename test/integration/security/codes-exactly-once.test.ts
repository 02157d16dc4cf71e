// Issue 10, point 1 (what the login tests did not cover): a code regenerated while its
// password page is open is dead at once, and code expiry is the database's, so it holds
// across a server restart.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { textOf } from '../../helpers/browser.js';
import { exchange, registerClient, signIn, type RegisteredClient } from '../../helpers/oidc.js';
import { createAccount, createClass } from '../../helpers/factories.js';
import { Account, AuditEvent, OneTimeCode } from '../../../src/db/entities/index.js';
import { choosePassword, issueCode, openWithCode } from './support.js';

const OLD_PASSWORD = 'une phrase de passe solide';
const NEW_PASSWORD = 'ma cabane au fond du jardin';

describe('a code regenerated while its password page is open', () => {
  let ts: TestServer;
  let app: RegisteredClient;
  let classId: string;
  beforeAll(async () => {
    ts = await startTestServer();
    app = await registerClient(ts, { clientId: 'ent-cahier' });
    classId = (await createClass(ts.server.db, { name: 'CM2 A' })).id;
  });
  afterAll(() => ts?.stop());

  test.each(['activation', 'renewal'] as const)(
    '%s: ENREGISTRER answers « plus valable », nothing is written; the new code works',
    async (kind) => {
      const child = await createAccount(ts.server.db, {
        profile: 'Student',
        classIds: [classId],
        ...(kind === 'renewal' ? { password: OLD_PASSWORD } : {}),
      });
      const { code: first } = await issueCode(ts, child.id, kind);
      const { browser, page } = await openWithCode(app, child.login, first);
      expect(page.html).toContain('nouveau_mot_de_passe');

      // The teacher regenerates while the child's password page is open.
      const { code: second } = await issueCode(ts, child.id, kind);
      const before = await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: child.id }));
      const audits = await ts.server.db.read((m) => m.countBy(AuditEvent, { targetId: child.id }));

      const refused = await choosePassword(browser, page, NEW_PASSWORD);
      expect(refused.status).toBe(409);
      expect(textOf(refused)).toContain("Ce code n'est plus valable");
      expect(refused.url.startsWith('https://app.example.test')).toBe(false);

      const after = await ts.server.db.read((m) => m.findOneByOrFail(Account, { id: child.id }));
      expect(after.passwordHash).toBe(before.passwordHash);
      expect(after.activatedAt?.getTime() ?? null).toBe(before.activatedAt?.getTime() ?? null);
      expect(after.passwordChangedAt?.getTime() ?? null).toBe(before.passwordChangedAt?.getTime() ?? null);
      expect(await ts.server.db.read((m) => m.countBy(AuditEvent, { targetId: child.id }))).toBe(audits);
      const rows = await ts.server.db.read((m) => m.findBy(OneTimeCode, { accountId: child.id }));
      expect(rows.filter((r) => r.consumedAt !== null)).toHaveLength(0);
      expect((await ts.server.domain.codes.liveCode(child.id))?.code).toBe(second);
      if (kind === 'renewal') await signIn(app, child.login, OLD_PASSWORD);

      // The same password page cannot be reused either: the flow was dropped.
      const again = await browser.request(`${page.url}`);
      expect(again.status).toBe(303);

      const fresh = await openWithCode(app, child.login, second);
      const callback = await choosePassword(fresh.browser, fresh.page, NEW_PASSWORD);
      expect(callback.url.startsWith('https://app.example.test/callback')).toBe(true);
      expect((await exchange(app, callback.url, fresh.request)).claims()!.sub).toBe(child.id);
    },
  );
});

describe('code expiry across a restart', () => {
  test('stop, restart on the same database: the expired code is refused, the unexpired one still works', async () => {
    // First life: activation codes live 3 s, renewal codes the default 72 h.
    const first = await startTestServer({ env: { ACTIVATION_CODE_TTL: '3' } });
    let second: TestServer | undefined;
    try {
      const cls = await createClass(first.server.db, { name: 'CM2 A' });
      const shortLived = await createAccount(first.server.db, { profile: 'Student', classIds: [cls.id] });
      const longLived = await createAccount(first.server.db, {
        profile: 'Student',
        classIds: [cls.id],
        password: OLD_PASSWORD,
      });
      const expiring = await issueCode(first, shortLived.id, 'activation');
      const lasting = await issueCode(first, longLived.id, 'renewal');
      // The expiry is stored with the code, decided at generation.
      const stored = await first.server.db.read((m) => m.findOneByOrFail(OneTimeCode, { id: expiring.id }));
      expect(stored.expiresAt.getTime()).toBe(expiring.expiresAt.getTime());
      expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBe(3000);
      await first.stop({ keepDatabase: true });

      // Second life: a configuration where activation codes would live until the next school
      // year. Only the stored expiry counts.
      second = await startTestServer({ database: first.database, env: { ACTIVATION_CODE_TTL: '0' } });
      const wait = expiring.expiresAt.getTime() - Date.now() + 50;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const app = await registerClient(second, { clientId: 'ent-apres-redemarrage' });

      const refused = await openWithCode(app, shortLived.login, expiring.code);
      expect(refused.page.status).toBe(401);
      // Expired, so refused, with the words for a dead code of this account (issue 21).
      expect(textOf(refused.page)).toContain("Ce code n'est plus valable");
      expect(
        (await second.server.db.read((m) => m.findOneByOrFail(Account, { id: shortLived.id }))).passwordHash,
      ).toBeNull();
      expect(await second.server.domain.codes.liveCode(shortLived.id)).toBeNull();

      const works = await openWithCode(app, longLived.login, lasting.code);
      expect(works.page.html).toContain('nouveau_mot_de_passe');
      const callback = await choosePassword(works.browser, works.page, NEW_PASSWORD);
      expect(callback.url.startsWith('https://app.example.test/callback')).toBe(true);
      await signIn(app, longLived.login, NEW_PASSWORD);
    } finally {
      if (second) await second.stop();
      else await first.stop().catch(() => undefined);
    }
  }, 30_000);
});
