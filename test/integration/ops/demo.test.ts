// The demo school and the demo ENT application: `ent-idp demo` is idempotent (same logins,
// the live codes), `npm start`'s seed only fills an empty database, and a person signs in to
// /demo-app through the provider, sees their claims, and signs out.
import { loadConfig } from '../../../src/config/index.js';
import { seedDemoIfEmpty } from '../../../src/cli/demo.js';
import { DEMO_PASSWORD } from '../../../src/domain/demo.js';
import { Account, RelativeLink, RoleAssignment } from '../../../src/db/entities/index.js';
import { createTestDatabaseUrl, type TestDatabase } from '../../helpers/db.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf } from '../../helpers/browser.js';
import { childEnv, cli, requireBuild } from './harness.js';

describe('ent-idp demo (child process)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    requireBuild();
    database = await createTestDatabaseUrl();
  });
  afterAll(() => database.drop());

  it('seeds once; running it again changes nothing and prints the same logins and live codes', async () => {
    const env = childEnv({ DATABASE_URL: database.url, ISSUER: 'http://localhost:3999' });
    const first = await cli(['demo'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^demo school created \(\d+ rows\)\n/);
    expect(first.stdout).toContain('http://localhost:3999/admin');
    expect(first.stdout).toContain(`identifiant claire.lefebvre   mot de passe ${DEMO_PASSWORD}`);
    expect(first.stdout).toContain('http://localhost:3999/demo-app');
    expect(first.stdout).toMatch(/enfant\.test +test enfant +élève +CM2 A +Activé/);
    expect(first.stdout).toMatch(/lucas\.martin .* [a-z3-9]{8}\n/);
    expect(first.stdout).toMatch(/chloe\.petit .* Code temporaire: [a-z3-9]{8}\n/);
    expect(first.stdout).toMatch(/hugo\.durand .* Bloqué\n/);
    const second = await cli(['demo'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^demo school already there: nothing changed\n/);
    const body = (s: string) => s.split('\n').slice(1).join('\n');
    expect(body(second.stdout)).toBe(body(first.stdout));
    expect((await cli(['demo', 'extra'], env)).code).toBe(2);
  }, 60_000);
});

describe('demo school and demo ENT application (in process)', () => {
  let ts: TestServer;
  let summary: string | null;
  beforeAll(async () => {
    ts = await startTestServer();
    summary = await seedDemoIfEmpty(ts.server.domain, ts.config);
  }, 60_000);
  afterAll(() => ts.stop());

  it('seeds an empty database only, with the seed’s school, relatives and roles', async () => {
    expect(summary).toContain('École de la Somme');
    expect(await seedDemoIfEmpty(ts.server.domain, ts.config)).toBeNull();
    const { db } = ts.server;
    expect(await db.read((m) => m.countBy(Account, { login: 'enfant.test', birthDate: '2010-08-01' }))).toBe(1);
    expect(await db.read((m) => m.count(RelativeLink))).toBe(5);
    expect(await db.read((m) => m.countBy(RoleAssignment, { role: 'class-admin' }))).toBe(2);
    expect(await db.read((m) => m.countBy(RoleAssignment, { role: 'school-admin' }))).toBe(1);
    const teacher = await ts.server.domain.login.authenticate({
      login: 'claire.lefebvre',
      secret: DEMO_PASSWORD,
      ip: '127.0.0.1',
    });
    expect(teacher.outcome).toBe('password');
    expect(
      (await ts.server.domain.login.authenticate({ login: 'hugo.durand', secret: DEMO_PASSWORD, ip: '127.0.0.1' }))
        .outcome,
    ).toBe('blocked');
    // The code printed for lucas.martin is the live one.
    const code = /lucas\.martin, type ([a-z3-9]{8})/.exec(summary!)![1]!;
    expect(
      (await ts.server.domain.login.authenticate({ login: 'lucas.martin', secret: code, ip: '127.0.0.1' })).outcome,
    ).toBe('code');
  });

  it('signs enfant.test in through the provider, shows the claims, signs out', async () => {
    const browser = new Browser();
    const home = await browser.go(`${ts.url}/demo-app`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(home.html).not.toMatch(/<script|style=|<style/);
    expect(textOf(home)).toContain('Se connecter avec l’ENT');
    const css = await browser.request(`${ts.url}/demo-app/style.css`);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);

    const connexion = await browser.go(`${ts.url}/demo-app/login`);
    expect(connexion.html).toContain('Identifiant');
    const profile = await browser.submit(connexion, '/login', {
      identifiant: 'enfant.test',
      mot_de_passe: DEMO_PASSWORD,
    });
    expect(profile.status).toBe(200);
    const text = textOf(profile);
    expect(text).toContain('Bonjour test enfant');
    expect(text).toContain('Identifiant enfant.test');
    expect(text).toContain('Profil Élève');
    expect(text).toContain('Date de naissance 01/08/2010');
    expect(text).toContain('École de la Somme (0800001A)');
    expect(text).toContain('Classes CM2 A');
    expect(text).toContain('"preferred_username": "enfant.test"');
    expect(profile.html).not.toMatch(/<script|style=|<style/);

    // Déconnexion: RP-initiated logout, confirmed on the provider's page, back to the app.
    const logout = await browser.submit(profile, '/demo-app/logout', {});
    expect(textOf(logout)).toContain('Application ENT de démonstration');
    const form = formOf(logout, '');
    const back = await browser.go(new URL(form.action, logout.url).toString(), {
      form: { ...form.hidden, logout: 'yes' },
    });
    expect(back.url).toBe(`${ts.url}/demo-app`);
    expect(textOf(back)).toContain('Se connecter avec l’ENT');
  });

  it('refuses a callback it did not start', async () => {
    const page = await new Browser().go(`${ts.url}/demo-app/callback?code=x&state=y`);
    expect(page.status).toBe(400);
    expect(textOf(page)).toContain('Cette connexion a expiré');
  });
});

describe('seedDemoIfEmpty', () => {
  it('returns null when the database already has accounts', async () => {
    const ts = await startTestServer();
    try {
      await ts.server.domain.db.transaction((m) =>
        m.insert(Account, {
          id: '00000000-0000-4000-8000-000000000001',
          login: 'quelqu.un',
          firstName: 'Q',
          lastName: 'U',
          searchFirstName: 'q',
          searchLastName: 'u',
          birthDate: null,
          profile: 'Personnel',
          email: null,
          structureId: null,
          externalId: null,
          passwordHash: null,
          activatedAt: null,
          blockedAt: null,
          lastLoginAt: null,
          passwordChangedAt: null,
          createdAt: new Date(),
          updatedAt: new Date(),
        }),
      );
      expect(await seedDemoIfEmpty(ts.server.domain, loadConfig({ env: { NODE_ENV: 'test' } }))).toBeNull();
    } finally {
      await ts.stop();
    }
  });
});
