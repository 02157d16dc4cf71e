// OpenID Connect Back-Channel Logout 1.0: every ENT application a session signed in to hears
// that it ended — RP-initiated logout, a teacher's or an operator's block, a password changed
// from a code or a reset link, an expired session — and none that the session never used.
// The applications here are a local receiver validating each logout token with jose
// (signature, iss, aud, iat, the event, sid/sub, no nonce), as an ENT application must.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, freePort, type TestServer } from '../../helpers/server.js';
import { Browser } from '../../helpers/browser.js';
import {
  authorizationRequest,
  client,
  REDIRECT_URI,
  registerClient,
  signIn,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { createAccount, createClass, createStructure, grantRole } from '../../helpers/factories.js';
import { startLogoutReceiver, type LogoutReceiver } from '../../helpers/logout-receiver.js';
import { Account, LogoutDelivery, OidcArtifact } from '../../../src/db/entities/index.js';
import { setBlocked } from '../../../src/domain/accounts-admin.js';
import { ClientStore } from '../../../src/oidc/clients.js';

const PASSWORD = 'une phrase de passe solide';
let ts: TestServer;
let receiver: LogoutReceiver;
let mail: RegisteredClient;
let cahier: RegisteredClient;
let agenda: RegisteredClient;
let teacherActor: Awaited<ReturnType<TestServer['server']['domain']['admin']['loadActor']>>;
let classId: string;

beforeAll(async () => {
  ts = await startTestServer({ env: { BACKCHANNEL_LOGOUT_RETRY: '3' } });
  receiver = await startLogoutReceiver(ts.url);
  mail = await registerClient(ts, { clientId: 'ent-mail', backchannelLogoutUri: receiver.uri('ent-mail') });
  cahier = await registerClient(ts, { clientId: 'ent-cahier', backchannelLogoutUri: receiver.uri('ent-cahier') });
  // Registered for back-channel logout, but no session below ever signs in to it.
  await registerClient(ts, { clientId: 'ent-devoirs', backchannelLogoutUri: receiver.uri('ent-devoirs') });
  agenda = await registerClient(ts, { clientId: 'ent-agenda' });
  const structure = await createStructure(ts.server.db);
  classId = (await createClass(ts.server.db, { structureId: structure.id })).id;
  const teacher = await createAccount(ts.server.db, {
    profile: 'Teacher',
    password: PASSWORD,
    classIds: [classId],
    structureId: structure.id,
  });
  await grantRole(ts.server.db, teacher.id, 'class-admin', classId);
  teacherActor = await ts.server.domain.admin.loadActor(teacher.id);
});

afterAll(async () => {
  await receiver?.close();
  await ts?.stop();
});

let n = 0;
async function pupil(): Promise<Account> {
  n++;
  return createAccount(ts.server.db, {
    profile: 'Student',
    login: `eleve.slo${n}`,
    password: PASSWORD,
    classIds: [classId],
  });
}

/** The child signs in to the mail, then (single sign-on) to the homework book, in one browser. */
async function signedInToBoth(account: Account) {
  const browser = new Browser();
  const first = await signIn(mail, account.login, PASSWORD, { browser });
  const second = await signIn(cahier, account.login, PASSWORD, { browser });
  return { browser, mailToken: first.tokens, cahierToken: second.tokens };
}

const logoutsOf = (account: Account) => receiver.received.filter((r) => r.claims.sub === account.id);

/** Polls `done` every 50 ms for up to `ms`. */
async function eventually(done: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** RP-initiated logout from `rc` with this ID token: the confirmation page, then « Se déconnecter ». */
async function logOutFrom(rc: RegisteredClient, browser: Browser, idToken: string) {
  const end = client.buildEndSessionUrl(rc.config, {
    id_token_hint: idToken,
    post_logout_redirect_uri: 'https://app.example.test/au-revoir',
  });
  const confirm = await browser.go(end.href);
  const action = /action="([^"]+)"/.exec(confirm.html)![1]!;
  const hidden = Object.fromEntries(
    [...confirm.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  );
  return browser.request(new URL(action, ts.url).href, { form: { ...hidden, logout: 'yes' } });
}

/** Both applications got one logout token for this child's session, with each one's sid. */
async function expectBothLoggedOut(account: Account, session: Awaited<ReturnType<typeof signedInToBoth>>) {
  await eventually(() => logoutsOf(account).length >= 2);
  const got = logoutsOf(account);
  expect(got.map((r) => r.app).sort()).toEqual(['ent-cahier', 'ent-mail']);
  expect(got.find((r) => r.app === 'ent-mail')!.claims.sid).toBe(session.mailToken.claims()!.sid);
  expect(got.find((r) => r.app === 'ent-cahier')!.claims.sid).toBe(session.cahierToken.claims()!.sid);
  expect(receiver.refused).toEqual([]);
}

describe('what the provider says', () => {
  it('discovery advertises back-channel logout with sid; ID tokens carry the session’s sid (one per application)', async () => {
    const metadata = mail.config.serverMetadata();
    expect(metadata.backchannel_logout_supported).toBe(true);
    expect(metadata.backchannel_logout_session_supported).toBe(true);
    const child = await pupil();
    const { mailToken, cahierToken } = await signedInToBoth(child);
    expect(mailToken.claims()!.sid).toEqual(expect.any(String));
    // oidc-provider gives each application its own sid for the one session (no correlation between them).
    expect(cahierToken.claims()!.sid).toEqual(expect.any(String));
  });
});

describe('every way a session ends', () => {
  it('RP-initiated logout from the mail: the mail and the homework book are told, never an application the session did not use', async () => {
    const child = await pupil();
    const session = await signedInToBoth(child);
    const out = await logOutFrom(mail, session.browser, session.mailToken.id_token!);
    expect(out.status).toBe(303);
    await expectBothLoggedOut(child, session);
    expect(receiver.attempts.get('ent-devoirs') ?? 0).toBe(0);
  });

  it('a teacher blocks the child', async () => {
    const child = await pupil();
    const session = await signedInToBoth(child);
    await ts.server.domain.admin.blockAccounts(teacherActor!, [child.id], { ip: null });
    await expectBothLoggedOut(child, session);
  });

  it('an operator blocks the child from the command line', async () => {
    const child = await pupil();
    const session = await signedInToBoth(child);
    await setBlocked(ts.server.domain, child.login, true);
    await expectBothLoggedOut(child, session);
  });

  it('a new password chosen with a renewal code, on another computer', async () => {
    const child = await pupil();
    const session = await signedInToBoth(child);
    const { code } = await ts.server.domain.codes.issue({ accountId: child.id, kind: 'renewal', createdBy: null });
    const other = new Browser();
    const request = await authorizationRequest(agenda);
    const connexion = await other.go(request.url.toString(), { stopAt: REDIRECT_URI });
    const page = await submitLogin(other, connexion, child.login, code);
    const done = await other.submit(
      page,
      '/mot-de-passe',
      { nouveau_mot_de_passe: 'un tout nouveau secret', confirmation: 'un tout nouveau secret' },
      REDIRECT_URI,
    );
    expect(done.url.startsWith(REDIRECT_URI)).toBe(true);
    await expectBothLoggedOut(child, session);
  });

  it('a new password chosen from a reset link', async () => {
    const child = await pupil();
    await ts.server.db.transaction((manager) =>
      manager.update(Account, { id: child.id }, { email: `${child.login}@example.fr` }),
    );
    const session = await signedInToBoth(child);
    const browser = new Browser();
    const form = await browser.go(`${ts.url}/mot-de-passe-oublie`);
    await browser.submit(form, '/mot-de-passe-oublie', { identifiant: child.login });
    await ts.server.domain.mail.idle();
    const dir = ts.config.mail.dir;
    const newest = readdirSync(dir)
      .map((f) => join(dir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
    const link = /https?:\/\/\S+\/mot-de-passe\/reinitialiser\/[\w-]+/.exec(
      readFileSync(newest, 'utf8').replace(/=\r?\n/g, ''),
    )![0];
    const reset = await browser.go(link);
    await browser.submit(reset, '', {
      nouveau_mot_de_passe: 'encore un autre secret',
      confirmation: 'encore un autre secret',
    });
    await expectBothLoggedOut(child, session);
  });

  it('an expired session, when the purge removes it', async () => {
    const child = await pupil();
    const session = await signedInToBoth(child);
    await ts.server.db.transaction((manager) =>
      manager.update(
        OidcArtifact,
        { model: 'Session', accountId: child.id },
        { expiresAt: new Date(Date.now() - 1000) },
      ),
    );
    await ts.server.domain.maintenance.purgeExpired();
    await expectBothLoggedOut(child, session);
  });
});

describe('the queue', () => {
  it('queues deliveries only for applications that listen for logout tokens', async () => {
    const child = await pupil();
    const targets = ['ent-agenda', 'ent-mail', 'ent-inconnue'].map((clientId) => ({
      clientId,
      accountId: child.id,
      sid: 'sid-1',
    }));
    const queued = await ts.server.db.transaction((manager) =>
      ts.server.domain.logoutQueue.queue(manager, targets, 'block'),
    );
    expect(queued).toBe(1);
    await eventually(() => logoutsOf(child).length > 0);
    expect(logoutsOf(child).map((r) => [r.app, r.claims.sid])).toEqual([['ent-mail', 'sid-1']]);
  });
});

describe('applications that are slow, failing or down', () => {
  it('a slow (10 s), failing (500) and stopped application hold up nobody; failures are retried, counted, then given up', async () => {
    const slow = await registerClient(ts, { clientId: 'ent-lent', backchannelLogoutUri: receiver.uri('ent-lent') });
    const failing = await registerClient(ts, {
      clientId: 'ent-panne',
      backchannelLogoutUri: receiver.uri('ent-panne'),
    });
    const stopped = await registerClient(ts, {
      clientId: 'ent-eteint',
      backchannelLogoutUri: `http://127.0.0.1:${await freePort()}/ent-eteint/backchannel-logout`,
    });
    receiver.behaviour.set('ent-lent', 'slow');
    receiver.behaviour.set('ent-panne', 'error');
    const child = await pupil();
    const browser = new Browser();
    let idToken = '';
    for (const app of [slow, failing, stopped, mail])
      idToken = (await signIn(app, child.login, PASSWORD, { browser })).tokens.id_token!;

    // The logout page answers at once, without waiting for any application…
    const out = await logOutFrom(mail, browser, idToken);
    expect(out.status).toBe(303);
    expect(logoutsOf(child)).toEqual([]);
    // …and the mail hears of it while the slow application is still holding its request.
    await eventually(() => logoutsOf(child).length > 0);
    expect(logoutsOf(child).map((r) => r.app)).toEqual(['ent-mail']);
    // The slow application has the request in hand, and has not answered it yet.
    await eventually(() => (receiver.attempts.get('ent-lent') ?? 0) >= 1);
    expect(receiver.received.filter((r) => r.app === 'ent-lent')).toEqual([]);
    // The failing one is tried again (back-off 1 s, 2 s…), then given up after BACKCHANNEL_LOGOUT_RETRY (3 s).
    const pending = () =>
      ts.server.db.read((manager) => manager.find(LogoutDelivery, { where: { accountId: child.id } }));
    await eventually(async () => (await pending()).length === 0, 15_000);
    expect(await pending()).toEqual([]);
    expect(receiver.attempts.get('ent-panne')).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch(`${ts.url}/metrics`)).text();
    expect(
      Number(/entidp_backchannel_logouts_total\{outcome="failed"\} (\d+)/.exec(metrics)![1]),
    ).toBeGreaterThanOrEqual(2);
    expect(
      Number(/entidp_backchannel_logouts_total\{outcome="abandoned"\} (\d+)/.exec(metrics)![1]),
    ).toBeGreaterThanOrEqual(2);
    expect(
      Number(/entidp_backchannel_logouts_total\{outcome="delivered"\} (\d+)/.exec(metrics)![1]),
    ).toBeGreaterThanOrEqual(1);
  }, 40_000);

  it('registration accepts an application that is down (nothing is called), and refuses a non-https URI in production', async () => {
    const down = `http://127.0.0.1:${await freePort()}/x/backchannel-logout`;
    await expect(registerClient(ts, { clientId: 'ent-absent', backchannelLogoutUri: down })).resolves.toBeDefined();
    const production = new ClientStore(ts.server.db, { ...ts.config, env: 'production' }, async () => undefined);
    await expect(
      production.save({
        clientId: 'ent-clair',
        name: 'En clair',
        redirectUris: [REDIRECT_URI],
        backchannelLogoutUri: 'http://ent-clair.example.fr/logout',
      }),
    ).rejects.toMatchObject({
      publicMessage: expect.stringContaining('https'),
    });
    await expect(
      production.save({
        clientId: 'ent-chiffre',
        name: 'Chiffré',
        redirectUris: [REDIRECT_URI],
        backchannelLogoutUri: 'https://ent-chiffre.example.fr/logout',
      }),
    ).resolves.toBeDefined();
  });
});
