// Badge sign-in (issue 21): a teacher enables it for the class, prints the badges (a PDF of
// QR codes), a pupil signs in by the scanned badge; revoked, renewed, class off, blocked
// account, a past year's class, another class's teacher, garbage, floods: each refused.
// The badge secret is read from the printed PDF (rendered and decoded), as a camera would.
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { Browser, formOf, type Page } from '../../helpers/browser.js';
import {
  authorizationRequest,
  exchange,
  registerClient,
  REDIRECT_URI,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { seedSchool, PASSWORD, type School } from '../admin-api/harness.js';
import { adminSignIn } from '../security/web.js';
import { readPdfQrCodes } from '../../helpers/pdf-qr.js';
import { Account, AuditEvent, SchoolClass } from '../../../src/db/entities/index.js';

let ts: TestServer;
let school: School;
let app: RegisteredClient;

beforeAll(async () => {
  // Behind a proxy, so each scan below comes from an address of its own unless a test says otherwise.
  ts = await startTestServer({ env: { LOGIN_MAX_FAILURES: '3', TRUST_PROXY: 'true' } });
  school = await seedSchool(ts);
  app = await registerClient(ts, { clientId: 'ent-lecture' });
}, 30_000);
afterAll(() => ts?.stop());

type Teacher = Awaited<ReturnType<typeof adminSignIn>>;
const classPage = (t: Teacher, classId: string) => t.browser.go(`${ts.url}/admin/classes/${classId}`);

async function setBadges(t: Teacher, classId: string, badges: 'activer' | 'desactiver' | 'retirer-tous') {
  return t.browser.go(`${ts.url}/admin/classes/${classId}/badges`, { form: { _csrf: t.csrf, badges } });
}

/** The teacher's action on ticked pupils; for a print, the badge URLs decoded from the PDF. */
async function badgeAction(t: Teacher, classId: string, action: string, ids: string[]) {
  const body = new URLSearchParams({ _csrf: t.csrf, action });
  for (const id of ids) body.append('ids', id);
  return fetch(`${ts.url}/admin/classes/${classId}/actions`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: t.browser.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}

async function printBadges(t: Teacher, classId: string, ids: string[], renew = false): Promise<string[]> {
  const res = await badgeAction(t, classId, renew ? 'nouveaux-badges' : 'badges', ids);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/pdf');
  const { text, codes } = await readPdfQrCodes(new Uint8Array(await res.arrayBuffer()), { columns: 2, rows: 4 });
  expect(text.replace(/\s+/g, ' ')).toContain('Scanner mon badge');
  return codes;
}

/** An application's authorize → CONNEXION; then what « Scanner mon badge » posts. */
let lastOctet = 0;
const fromNewAddress = () => new Browser({ 'x-forwarded-for': `198.51.100.${++lastOctet}` });

async function scanBadge(scanned: string, browser = fromNewAddress()): Promise<{ page: Page; tokens?: unknown }> {
  const request = await authorizationRequest(app);
  const connexion = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  // CONNEXION offers « Scanner mon badge » while some class has badges on; a scanner (or an
  // attacker) may post anyway, with the page's CSRF token.
  const login = formOf(connexion, '/login');
  const action = new URL(login.action.replace(/\/login$/, '/badge'), connexion.url).toString();
  const page = await browser.go(action, { form: { _csrf: login.hidden._csrf!, badge: scanned }, stopAt: REDIRECT_URI });
  if (!page.url.startsWith(REDIRECT_URI)) return { page };
  return { page, tokens: await exchange(app, page.url, request) };
}

const subOf = (tokens: unknown) => (tokens as { claims(): { sub: string } }).claims().sub;

describe('badge sign-in', () => {
  let teacher: Teacher;
  let pupil: Account;
  let urls: string[];

  beforeAll(async () => {
    teacher = await adminSignIn(ts, school.teacherA.login, PASSWORD);
    pupil = school.studentsA[0]!;
  });

  test('off by default: no badge section on CONNEXION, printing refused', async () => {
    const page = await classPage(teacher, school.classA.id);
    expect(page.html).toContain('Connexion par badge');
    expect(page.html).toContain('ACTIVER LA CONNEXION PAR BADGE');
    const res = await badgeAction(teacher, school.classA.id, 'badges', [pupil.id]);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('La connexion par badge n’est pas activée pour cette classe');
  });

  test('enabled and printed: the badge signs the pupil in; the QR is the badge URL', async () => {
    const enabled = await setBadges(teacher, school.classA.id, 'activer');
    expect(enabled.html).toContain('Connexion par badge activée');
    urls = await printBadges(teacher, school.classA.id, [pupil.id, school.studentsA[1]!.id]);
    expect(urls).toHaveLength(2);
    for (const url of urls) expect(url).toMatch(new RegExp(`^${ts.url}/badge#[A-Za-z0-9_-]{43}$`));
    const { tokens } = await scanBadge(urls[0]!);
    expect(tokens).toBeDefined();
    expect([pupil.id, school.studentsA[1]!.id]).toContain(subOf(tokens));
    // The class page marks the pupils with a badge.
    expect((await classPage(teacher, school.classA.id)).html).toContain(
      '<span class="badge muted-badge has-badge">Badge</span>',
    );
    // Printing again reprints the same badge (it keeps working).
    const again = await printBadges(teacher, school.classA.id, [pupil.id]);
    expect(urls).toContain(again[0]);
  });

  test('the badge URL opened by a phone says where to scan it; the secret never reaches the server', async () => {
    const res = await fetch(urls[0]!);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Scanner mon badge');
  });

  test('garbage, unknown and over-long badges are refused with the same words', async () => {
    for (const scanned of ['', 'n’importe quoi', `${ts.url}/badge#${'A'.repeat(43)}`, 'x'.repeat(5000)]) {
      const { page, tokens } = await scanBadge(scanned);
      expect(tokens).toBeUndefined();
      expect(page.status).toBe(401);
      expect(page.html).toContain('Ce badge ne marche pas');
    }
  });

  test('renewed: the old badge stops working, the new one works', async () => {
    const [renewed] = await printBadges(teacher, school.classA.id, [pupil.id], true);
    expect(urls).not.toContain(renewed);
    expect(subOf((await scanBadge(renewed!)).tokens)).toBe(pupil.id);
    // Of the two badges printed before, the pupil's is dead, the other pupil's still works.
    const before = [];
    for (const url of urls) before.push({ url, status: (await scanBadge(url)).page.status });
    expect(before.map((b) => b.status).sort()).toEqual([303, 401]);
    urls = [renewed!];
  });

  test('blocked account, class switched off, revoked: refused', async () => {
    const mine = urls[0]!;
    await ts.server.db.transaction((m) => m.update(Account, { id: pupil.id }, { blockedAt: new Date() }));
    const blocked = await scanBadge(mine);
    expect(blocked.page.status).toBe(403);
    expect(blocked.page.html).toContain('Ton compte est bloqué');
    await ts.server.db.transaction((m) => m.update(Account, { id: pupil.id }, { blockedAt: null }));

    await setBadges(teacher, school.classA.id, 'desactiver');
    expect((await scanBadge(mine)).page.status).toBe(401);
    await setBadges(teacher, school.classA.id, 'activer');
    expect(subOf((await scanBadge(mine)).tokens)).toBe(pupil.id);

    const revoked = await badgeAction(teacher, school.classA.id, 'retirer-badges', [pupil.id]);
    expect(revoked.status).toBe(303);
    expect((await scanBadge(mine)).page.status).toBe(401);
  });

  test('a past year’s class: its badges grant nothing', async () => {
    const [url] = await printBadges(teacher, school.classA.id, [pupil.id]);
    expect(subOf((await scanBadge(url!)).tokens)).toBe(pupil.id);
    await ts.server.db.transaction((m) => m.update(SchoolClass, { id: school.classA.id }, { schoolYear: '2001-2002' }));
    try {
      expect((await scanBadge(url!)).page.status).toBe(401);
    } finally {
      await ts.server.db.transaction((m) =>
        m.update(SchoolClass, { id: school.classA.id }, { schoolYear: school.classA.schoolYear }),
      );
    }
    const events = await ts.server.db.read((m) =>
      m.find(AuditEvent, { where: { action: 'login.badge', targetId: pupil.id } }),
    );
    const reasons = events.map((e) => JSON.parse(e.detail ?? '{}').reason).filter(Boolean);
    expect(reasons).toEqual(expect.arrayContaining(['revoked', 'class_disabled', 'account_blocked', 'past_year']));
    // The secret never reaches the audit trail.
    expect(JSON.stringify(events)).not.toContain(url!.split('#')[1]);
  });

  test('another class’s teacher can neither switch it, print nor revoke', async () => {
    const other = await adminSignIn(ts, school.teacherB.login, PASSWORD);
    expect((await setBadges(other, school.classA.id, 'desactiver')).status).toBe(404);
    expect((await badgeAction(other, school.classA.id, 'badges', [pupil.id])).status).toBe(404);
    expect((await badgeAction(other, school.classB.id, 'badges', [pupil.id])).status).toBe(404);
    expect((await setBadges(other, school.classA.id, 'retirer-tous')).status).toBe(404);
    const cls = await ts.server.db.read((m) => m.findOneByOrFail(SchoolClass, { id: school.classA.id }));
    expect(cls.badgeSignIn).toBe(true);
    // A relative of the class gets no badge either.
    const relative = school.relativesA[0]!;
    expect((await badgeAction(teacher, school.classA.id, 'badges', [relative.id])).status).toBe(404);
  });

  test('without the CSRF token nothing changes', async () => {
    const res = await fetch(`${ts.url}/admin/classes/${school.classA.id}/badges`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: teacher.browser.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'badges=desactiver',
    });
    expect(res.status).toBe(403);
    const browser = fromNewAddress();
    const page = await browser.go((await authorizationRequest(app)).url.toString());
    expect(page.html).toContain('Scanner mon badge');
    const form = formOf(page, '/badge');
    const missing = await browser.go(new URL(form.action, page.url).toString(), { form: { badge: urls[0]! } });
    expect(missing.status).toBe(403);
  });

  test('repeated failures from one address are throttled', async () => {
    const browser = new Browser({ 'x-forwarded-for': '203.0.113.9' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await scanBadge(`${ts.url}/badge#${'B'.repeat(43)}`, browser)).page.status);
    expect(statuses).toContain(429);
  });

  test('« retirer tous les badges »: every badge of the class stops working', async () => {
    const printed = await printBadges(teacher, school.classA.id, [pupil.id, school.studentsA[2]!.id]);
    const done = await setBadges(teacher, school.classA.id, 'retirer-tous');
    expect(done.html).toMatch(/\d+ badges? retirés?/);
    for (const url of printed) expect((await scanBadge(url)).page.status).toBe(401);
  });
});
