// Issue 21: a code of the account that no longer works (used, replaced, expired) typed on
// CONNEXION says « Ce code n'est plus valable : demande un nouveau code à ton enseignant. »
// instead of « Identifiant ou mot de passe incorrect. ». Any other wrong secret, a code of
// another account included, keeps the usual words; the attempt is a failure for the throttle.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, textOf } from '../../helpers/browser.js';
import {
  authorizationRequest,
  REDIRECT_URI,
  registerClient,
  submitLogin,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { createAccount } from '../../helpers/factories.js';
import { AuditEvent, OneTimeCode } from '../../../src/db/entities/index.js';

const DEAD = "Ce code n'est plus valable : demande un nouveau code à ton enseignant.";
const INCORRECT = 'Identifiant ou mot de passe incorrect.';

let ts: TestServer;
let app: RegisteredClient;

beforeAll(async () => {
  ts = await startTestServer({ env: { LOGIN_MAX_FAILURES: '4', LOGIN_MAX_FAILURES_PER_IP: '100000' } });
  app = await registerClient(ts, { clientId: 'ent-cahier' });
});
afterAll(async () => ts?.stop());

const issue = (accountId: string, kind: 'activation' | 'renewal') =>
  ts.server.domain.codes.issue({ accountId, kind, createdBy: null });

async function connexion(login: string, secret: string) {
  const browser = new Browser();
  const request = await authorizationRequest(app);
  const page = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  const answer = await submitLogin(browser, page, login, secret);
  return { status: answer.status, text: textOf(answer), html: answer.html };
}

const pupil = (login: string, password?: string) =>
  createAccount(ts.server.db, { login, firstName: 'Élève', lastName: login, profile: 'Student', password });

describe('a dead code on CONNEXION', () => {
  it('used, replaced or expired: « Ce code n’est plus valable », tied to the field', async () => {
    // Used: the activation code that chose the password.
    const used = await pupil('dead.used');
    const activation = await issue(used.id, 'activation');
    await ts.server.db.transaction((m) => ts.server.domain.codes.consume(m, activation.id));
    // Replaced: a second renewal code revoked the first.
    const replaced = await pupil('dead.replaced', 'un mot de passe solide');
    const first = await issue(replaced.id, 'renewal');
    await issue(replaced.id, 'renewal');
    // Expired.
    const expired = await pupil('dead.expired', 'un mot de passe solide');
    const old = await issue(expired.id, 'renewal');
    await ts.server.db.transaction((m) =>
      m.update(OneTimeCode, { id: old.id }, { expiresAt: new Date(Date.now() - 1000) }),
    );

    for (const [login, code] of [
      ['dead.used', activation.code],
      ['dead.replaced', first.code],
      ['dead.expired', ` ${old.code.toUpperCase()} `],
    ] as const) {
      const answer = await connexion(login, code);
      expect([login, answer.status]).toEqual([login, 401]);
      expect(answer.text).toContain(DEAD);
      expect(answer.text).not.toContain(INCORRECT);
      expect(answer.html).toContain('aria-describedby="erreur"');
      expect(answer.html).not.toContain(code.trim());
    }
    const events = await ts.server.db.read((m) =>
      m.find(AuditEvent, { where: { action: 'login.code', outcome: 'failure' } }),
    );
    expect(events.filter((e) => e.detail?.includes('"codeState":"dead"'))).toHaveLength(3);
  });

  it('a random code-shaped secret, or another account’s dead code, keeps « Identifiant ou mot de passe incorrect »', async () => {
    const mine = await pupil('dead.mine', 'un mot de passe solide');
    const other = await pupil('dead.other', 'un mot de passe solide');
    const othersDead = await issue(other.id, 'renewal');
    await issue(other.id, 'renewal');
    await issue(mine.id, 'renewal');
    for (const secret of ['abcd3456', othersDead.code, 'pas le bon mot de passe']) {
      const answer = await connexion('dead.mine', secret);
      expect(answer.status).toBe(401);
      expect(answer.text).toContain(INCORRECT);
      expect(answer.text).not.toContain(DEAD);
    }
    // An unknown identifiant with a dead code of someone: the usual words.
    const unknown = await connexion('personne.inconnue', othersDead.code);
    expect(unknown.text).toContain(INCORRECT);
  });

  it('to a parent, « vous »; and the password page speaks to a pupil with « tu », to a parent with « vous »', async () => {
    const parent = await createAccount(ts.server.db, {
      login: 'dead.parent',
      profile: 'Relative',
      password: 'un mot de passe solide',
    });
    const dead = await issue(parent.id, 'renewal');
    const live = await issue(parent.id, 'renewal');
    const answer = await connexion('dead.parent', dead.code);
    expect(answer.text).toContain(
      "Ce code n'est plus valable : demandez un nouveau code à l'enseignant ou à l'établissement.",
    );
    expect(answer.text).not.toContain('ton enseignant');
    const parentPage = await connexion('dead.parent', live.code);
    expect(parentPage.text).toContain('Choisissez un nouveau mot de passe. Votre code temporaire');
    const child = await pupil('tu.eleve');
    const activation = await issue(child.id, 'activation');
    const childPage = await connexion('tu.eleve', activation.code);
    expect(childPage.text).toContain('Choisis le mot de passe que tu utiliseras');
  });

  it('counts as a failure for the throttle', async () => {
    const child = await pupil('dead.throttled', 'un mot de passe solide');
    const dead = await issue(child.id, 'renewal');
    await issue(child.id, 'renewal');
    for (let i = 0; i < 4; i++) expect((await connexion('dead.throttled', dead.code)).text).toContain(DEAD);
    const refused = await connexion('dead.throttled', dead.code);
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Trop de tentatives');
  });
});
