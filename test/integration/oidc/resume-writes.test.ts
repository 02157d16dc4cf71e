// The end of a sign-in (`GET /auth/:uid`: session, grant, code, the interaction's removal) is
// stored in one commit before its redirect leaves. If that commit fails, the browser gets the
// « Service indisponible » page, never a redirect carrying a code that was not stored; once
// the database is free again, the same step completes and the code works.
// SQLite: another connection holds the write lock (BEGIN IMMEDIATE) past the busy timeout.
// (MariaDB's faults — a cut or stalled link — are database-faults.test.ts.)
import Sqlite from 'better-sqlite3';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, textOf } from '../../helpers/browser.js';
import {
  authorizationRequest,
  exchange,
  REDIRECT_URI,
  registerClient,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { usingMysql } from '../../helpers/db.js';
import { seedChild, CHILD_PASSWORD } from '../../helpers/school.js';

const onSqlite = usingMysql() ? describe.skip : describe;

onSqlite('the end of a sign-in, when its writes cannot be stored', () => {
  let ts: TestServer;
  let app: RegisteredClient;
  beforeAll(async () => {
    ts = await startTestServer({ env: { DATABASE_TIMEOUT_MS: '300' } });
    await seedChild(ts.server.db);
    app = await registerClient(ts, { clientId: 'ent-cahier', firstParty: true });
  });
  afterAll(() => ts?.stop());

  it('answers 503 with no redirect and no code; the same step completes once the database is free', async () => {
    const browser = new Browser({ accept: 'text/html' });
    const request = await authorizationRequest(app);
    const page = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
    const form = formOf(page, '/login');
    const posted = await browser.request(new URL(form.action, page.url).toString(), {
      form: { ...form.hidden, identifiant: 'enfant.test', mot_de_passe: CHILD_PASSWORD },
    });
    expect(posted.status).toBe(303);
    const resume = new URL(posted.headers.get('location')!, page.url).toString();
    expect(resume).toMatch(/\/auth\/[\w-]+$/);

    const lock = new Sqlite(ts.database.url.replace(/^sqlite:/, ''));
    lock.exec('BEGIN IMMEDIATE');
    let refused;
    try {
      refused = await browser.request(resume);
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    expect(refused.status).toBe(503);
    expect(refused.headers.get('location')).toBeNull();
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(textOf(refused)).toMatch(/indisponible/i);
    expect(refused.html).not.toMatch(/code=/);

    const done = await browser.go(resume, { stopAt: REDIRECT_URI });
    expect(done.url.startsWith(REDIRECT_URI)).toBe(true);
    const tokens = await exchange(app, done.url, request);
    expect(tokens.claims()?.sub).toBeTruthy();
  }, 30_000);
});
