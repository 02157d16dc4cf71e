// The teacher's actions: renewal codes in bulk, block/unblock (sessions and tokens end at
// once), password reset links, connection sheets (PDF, CSV), the audit trail.
import { parse } from 'csv-parse/sync';
import { PDFParse } from 'pdf-parse';
import { createAccount } from '../../helpers/factories.js';
import {
  authorizationRequest,
  client,
  REDIRECT_URI,
  registerClient,
  signIn,
  type RegisteredClient,
} from '../../helpers/oidc.js';
import { Browser } from '../../helpers/browser.js';
import { API, openBench, PASSWORD, signInWithCode, type Bench } from './harness.js';
import { Account, AuditEvent, OneTimeCode } from '../../../src/db/entities/index.js';
import { failInsert } from '../../helpers/faults.js';

let bench: Bench;
let token: string;
let app: RegisteredClient;

beforeAll(async () => {
  bench = await openBench();
  token = await bench.tokenFor(bench.school.teacherA.login);
  app = await registerClient(bench.ts, { clientId: 'ent-messagerie' });
});

afterAll(async () => {
  await bench?.ts.stop();
});

/**
 * POSTs to the admin API without the OpenAPI check: an injected database failure answers 500,
 * which the document does not list (no endpoint does).
 */
async function postUnchecked(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${bench.ts.url}${API}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('renewal codes', () => {
  let thirty: Account[];

  beforeAll(async () => {
    const { db } = bench.ts.server;
    thirty = [];
    for (let i = 0; i < 30; i++) {
      thirty.push(
        await createAccount(db, {
          profile: 'Student',
          firstName: `Élève${i}`,
          lastName: `Lot${String(i).padStart(2, '0')}`,
          structureId: bench.school.structure.id,
          classIds: [bench.school.classA.id],
          ...(i % 3 === 0 ? {} : { passwordHash: 'argon2-placeholder' }),
        }),
      );
    }
  });

  it('generates 30 codes in one call; the previous codes stop working', async () => {
    const { domain } = bench.ts.server;
    const ids = thirty.map((a) => a.id);
    const first = await bench.api(token, 'POST', '/v1/renewal-codes', {
      accountIds: ids,
      classId: bench.school.classA.id,
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');

    const second = await bench.api(token, 'POST', '/v1/renewal-codes', { accountIds: ids });

    expect(second.body.items.map((c: { accountId: string }) => c.accountId)).toEqual(ids);
    for (const [i, issued] of (
      second.body.items as { accountId: string; kind: string; code: string; generated: boolean }[]
    ).entries()) {
      const before = first.body.items[i] as { code: string; kind: string };
      if (i % 3 === 0) {
        // Never activated: the live activation code is handed back, unchanged.
        expect(issued).toMatchObject({ kind: 'activation', generated: false, code: before.code });
      } else {
        expect(issued).toMatchObject({ kind: 'renewal', generated: true });
        expect(issued.code).not.toBe(before.code);
        expect(await domain.codes.matchLive(issued.accountId, before.code)).toBeNull();
        expect(await domain.codes.matchLive(issued.accountId, issued.code)).not.toBeNull();
      }
    }
  });

  it('a database failure on the 20th account: an error answer, no code and no audit event of the batch; the live codes are unchanged', async () => {
    const { db, domain } = bench.ts.server;
    const ids = thirty.map((a) => a.id);
    const liveIds = async () =>
      [...(await domain.codes.liveCodes(ids))].map(([accountId, code]) => [accountId, code.id]);
    const written = async () => ({
      codes: await db.read((m) => m.count(OneTimeCode)),
      audit: await db.read((m) => m.count(AuditEvent)),
    });
    const [liveBefore, writtenBefore] = [await liveIds(), await written()];
    expect(thirty[19]!.passwordHash).not.toBeNull(); // activated: it gets a new code, its row is inserted
    const undo = await failInsert(db, 'one_time_codes', 'accountId', thirty[19]!.id);
    let res: { status: number; body: unknown };
    try {
      res = await postUnchecked('/v1/renewal-codes', { accountIds: ids });
    } finally {
      await undo();
    }
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({
      code: 'server_error',
      detail: 'Une erreur inattendue est survenue. Veuillez réessayer.',
    });
    expect(await written()).toEqual(writtenBefore);
    expect(await liveIds()).toEqual(liveBefore);
  });

  it('the new code works for a real sign-in and the old one does not', async () => {
    const child = bench.school.studentsA[0]!; // enfant.test, activated
    const old = (await bench.api(token, 'POST', '/v1/renewal-codes', { accountIds: [child.id] })).body.items[0]
      .code as string;
    const fresh = (await bench.api(token, 'POST', '/v1/renewal-codes', { accountIds: [child.id] })).body.items[0]
      .code as string;
    await expect(signInWithCode(app, child.login, old)).rejects.toThrow(/code refused/);
    await signInWithCode(app, child.login, fresh, PASSWORD);
  });

  it('refuses more than 500 ids, duplicates beyond that, malformed ids and non-JSON bodies', async () => {
    const many = Array.from({ length: 501 }, () => thirty[0]!.id);
    const tooMany = await bench.api(token, 'POST', '/v1/renewal-codes', { accountIds: many });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([{ field: 'accountIds', message: 'au plus 500 éléments' }]);
    const malformed = await bench.api(token, 'POST', '/v1/renewal-codes', { accountIds: ['x', thirty[0]!.id] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].field).toBe('accountIds.0');
    expect((await bench.api(token, 'POST', '/v1/renewal-codes', '{not json')).status).toBe(400);
    expect(
      (
        await bench.api(token, 'POST', '/v1/renewal-codes', 'accountIds=1', {
          'content-type': 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(415);
    const huge = JSON.stringify({ accountIds: [thirty[0]!.id], pad: 'x'.repeat(120_000) });
    expect((await bench.api(token, 'POST', '/v1/renewal-codes', huge)).status).toBe(413);
  });
});

describe('block and unblock', () => {
  it('ends refresh tokens, userinfo and the session at once; unblocking lets them sign in again', async () => {
    const relative = bench.school.relativesA[0]!; // Pierre Enfant, activated
    const { tokens, browser } = await signIn(app, relative.login, PASSWORD, {
      params: { scope: 'openid profile offline_access' },
    });
    expect(tokens.refresh_token).toBeTruthy();
    expect((await client.fetchUserInfo(app.config, tokens.access_token, relative.id)).sub).toBe(relative.id);

    const blocked = await bench.api(token, 'POST', '/v1/accounts/block', { accountIds: [relative.id] });
    expect(blocked.body.items).toEqual([{ accountId: relative.id, displayName: 'Pierre Enfant', changed: true }]);

    await expect(client.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The access token itself is refused (any rejection of fetchUserInfo would have passed before).
    expect(
      (await fetch(`${bench.ts.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status,
    ).toBe(401);
    const silent = await browser.go((await authorizationRequest(app)).url.toString(), { stopAt: REDIRECT_URI });
    expect(silent.url.startsWith(REDIRECT_URI)).toBe(false); // the login page again, no code
    await expect(signIn(app, relative.login, PASSWORD)).rejects.toThrow();

    const again = await bench.api(token, 'POST', '/v1/accounts/block', { accountIds: [relative.id] });
    expect(again.body.items[0].changed).toBe(false);

    const unblocked = await bench.api(token, 'POST', '/v1/accounts/unblock', { accountIds: [relative.id] });
    expect(unblocked.body.items[0].changed).toBe(true);
    const { tokens: back } = await signIn(app, relative.login, PASSWORD, { browser: new Browser() });
    expect(back.claims()!.sub).toBe(relative.id);
  });
});

describe('block, atomically', () => {
  it('a database failure on the 3rd account: an error answer, no account blocked, no audit event', async () => {
    const { db } = bench.ts.server;
    const targets = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        createAccount(db, {
          profile: 'Student',
          firstName: `Bloc${i}`,
          lastName: 'Atomique',
          structureId: bench.school.structure.id,
          classIds: [bench.school.classA.id],
          password: PASSWORD,
        }),
      ),
    );
    const auditBefore = await db.read((m) => m.count(AuditEvent));
    const undo = await failInsert(db, 'audit_events', 'targetId', targets[2]!.id);
    let res: { status: number; body: unknown };
    try {
      res = await postUnchecked('/v1/accounts/block', { accountIds: targets.map((a) => a.id) });
    } finally {
      await undo();
    }
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({
      code: 'server_error',
      detail: 'Une erreur inattendue est survenue. Veuillez réessayer.',
    });
    for (const a of targets)
      expect((await db.read((m) => m.findOneByOrFail(Account, { id: a.id }))).blockedAt).toBeNull();
    expect(await db.read((m) => m.count(AuditEvent))).toBe(auditBefore);
  });
});

describe('password resets', () => {
  it('mails the account, or the teacher for a child without email, and shows the address masked', async () => {
    const withEmail = bench.school.relativesA[0]!; // pierre@example.fr
    const child = bench.school.studentsA[1]!; // no email
    const res = await bench.api(token, 'POST', '/v1/password-resets', { accountIds: [withEmail.id, child.id] });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      { accountId: withEmail.id, displayName: 'Pierre Enfant', sent: true, to: 'p***@example.fr' },
      { accountId: child.id, displayName: 'Éloïse Lefèvre', sent: true, to: 'c***@example.fr' },
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/reinitialiser/);
  });
});

describe('connection sheets', () => {
  const ids = () => bench.school.studentsA.map((s) => s.id);

  it('prints one PDF page per account with identifiant, code, ENT address and the steps, names verbatim', async () => {
    const codes = (await bench.api(token, 'POST', '/v1/renewal-codes', { accountIds: ids() })).body.items as {
      accountId: string;
      code: string;
      kind: 'activation' | 'renewal';
    }[];
    const res = await bench.api(token, 'POST', '/v1/connection-sheets', { accountIds: ids(), format: 'pdf' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toContain('fiches-de-connexion.pdf');
    const parser = new PDFParse({ data: new Uint8Array(res.raw) });
    const parsed = await parser.getText();
    await parser.destroy();
    expect(parsed.pages).toHaveLength(4);
    for (const [i, student] of bench.school.studentsA.entries()) {
      const page = parsed.pages[i]!.text;
      expect(page).toContain(student.login);
      expect(page).toContain(codes[i]!.code);
      expect(page).toContain('https://ecole.entsomme.fr');
      expect(page).toContain('ENREGISTRER');
      expect(page).toContain('« Mot de passe »');
      // The page the code opens, named as it is titled (an activation code: « Activation de votre compte »).
      expect(page).toContain(
        codes[i]!.kind === 'activation' ? 'Activation de votre compte' : 'Réinitialisation du mot de passe',
      );
    }
    const text = parsed.text;
    expect(text).toContain("Ñúñez O'Brien-Ñúñez");
    expect(text).toContain('<img src=x onerror=alert(1)> Zorro');
    expect(text).toContain('Éloïse Lefèvre');
  });

  it('prints names beyond Latin-1 as they are written (Polish, Romanian, Vietnamese, Turkish, Greek, Cyrillic)', async () => {
    const { db } = bench.ts.server;
    const names = [
      { firstName: 'Łukasz', lastName: 'Wójcik-Żak' },
      { firstName: 'Ștefan', lastName: 'Țăranu' },
      { firstName: 'Nguyễn', lastName: 'Thị Hương' },
      { firstName: 'Çağrı', lastName: 'Şahin' },
      { firstName: 'Ελένη', lastName: 'Παπαδοπούλου' },
      { firstName: 'Дмитрий', lastName: 'Соколов' },
    ];
    const accounts = [];
    for (const n of names)
      accounts.push(
        await createAccount(db, {
          profile: 'Student',
          ...n,
          structureId: bench.school.structure.id,
          classIds: [bench.school.classA.id],
        }),
      );
    const res = await bench.api(token, 'POST', '/v1/connection-sheets', { accountIds: accounts.map((a) => a.id) });
    expect(res.status).toBe(200);
    const parser = new PDFParse({ data: new Uint8Array(res.raw) });
    const parsed = await parser.getText();
    await parser.destroy();
    expect(parsed.pages).toHaveLength(names.length);
    for (const [i, n] of names.entries()) expect(parsed.pages[i]!.text).toContain(`${n.firstName} ${n.lastName}`);
  });

  it('exports CSV with a BOM, « ; », the French header, and rows that parse back', async () => {
    const res = await bench.api(token, 'POST', '/v1/connection-sheets', { accountIds: ids(), format: 'csv' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect([...res.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(res.raw.toString('utf8'), { delimiter: ';', bom: true }) as string[][];
    expect(rows[0]).toEqual([
      'Nom',
      'Prénom',
      'Date de naissance',
      'Identifiant',
      'Code',
      'Type de code',
      "Adresse de l'ENT",
    ]);
    const live = await bench.ts.server.domain.codes.liveCodes(ids());
    expect(rows.slice(1)).toEqual(
      bench.school.studentsA.map((s) => [
        s.lastName,
        s.firstName,
        s.birthDate ? s.birthDate.split('-').reverse().join('/') : '',
        s.login,
        live.get(s.id)?.code ?? '',
        live.get(s.id)?.kind === 'activation' ? "Code d'activation" : 'Code de renouvellement',
        'https://ecole.entsomme.fr',
      ]),
    );
  });

  it('says so when an account has no live code', async () => {
    const { db } = bench.ts.server;
    const noCode = await createAccount(db, {
      profile: 'Student',
      firstName: 'Sans',
      lastName: 'Code',
      structureId: bench.school.structure.id,
      classIds: [bench.school.classA.id],
      passwordHash: 'x',
    });
    const res = await bench.api(token, 'POST', '/v1/connection-sheets', { accountIds: [noCode.id], format: 'csv' });
    const rows = parse(res.raw.toString('utf8'), { delimiter: ';', bom: true }) as string[][];
    expect(rows[1]!.slice(3, 6)).toEqual([noCode.login, '', '']);
    const pdf = await bench.api(token, 'POST', '/v1/connection-sheets', { accountIds: [noCode.id] });
    const parser = new PDFParse({ data: new Uint8Array(pdf.raw) });
    expect((await parser.getText()).text).toContain('Aucun code en cours');
    await parser.destroy();
  });
  it('CSV: no line a spreadsheet or a script would run, every cell quoted, even for names stored with a line break', async () => {
    // Stored before the roster import refused control characters (the factories write as is).
    const { db } = bench.ts.server;
    const base = {
      profile: 'Student' as const,
      structureId: bench.school.structure.id,
      classIds: [bench.school.classA.id],
    };
    const hostile = [
      await createAccount(db, { ...base, firstName: 'Jean', lastName: 'Dupont\n=2+2' }),
      await createAccount(db, { ...base, firstName: '\r\n@SUM(1+1)', lastName: 'Martin\r-1+1' }),
      await createAccount(db, { ...base, firstName: ' =1+1', lastName: '\t+33 1 23' }),
    ];
    await bench.api(token, 'POST', '/v1/renewal-codes', { accountIds: hostile.map((a) => a.id) });
    const res = await bench.api(token, 'POST', '/v1/connection-sheets', {
      accountIds: hostile.map((a) => a.id),
      format: 'csv',
    });
    expect(res.status).toBe(200);
    const text = res.raw.toString('utf8').replace(/^\uFEFF/, '');
    // Split as a naive reader would, on every kind of line break.
    const lines = text.split(/\r\n|[\n\r\v\f\u0085\u2028\u2029]/).filter(Boolean);
    expect(lines).toHaveLength(1 + hostile.length);
    const QUOTED_CELLS = /^"(?:[^"]|"")*"(?:;"(?:[^"]|"")*")*$/;
    for (const line of lines)
      expect({ line, quoted: QUOTED_CELLS.test(line), formula: /^[=+\-@\t\r]/.test(line) }).toEqual({
        line,
        quoted: true,
        formula: false,
      });
    // Parsed as a spreadsheet parses it: no cell starts a formula; the names are still there.
    const rows = parse(text, { delimiter: ';' }) as string[][];
    for (const cell of rows.flat()) expect(cell).not.toMatch(/^\s*[=+\-@]/);
    const byLogin = (login: string) => rows.find((r) => r[3] === login)!.slice(0, 2);
    expect(hostile.map((a) => byLogin(a.login))).toEqual([
      ['Dupont =2+2', 'Jean'],
      ['Martin -1+1', "'  @SUM(1+1)"],
      ["' +33 1 23", "' =1+1"],
    ]);
  });
});

describe('audit trail', () => {
  it('lists the class events newest first, with names and never a code', async () => {
    const first = await bench.api(token, 'GET', `/v1/classes/${bench.school.classA.id}/audit?limit=5`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(5);
    expect(typeof first.body.nextCursor).toBe('string');
    const actions = new Set(
      (await bench.api(token, 'GET', `/v1/classes/${bench.school.classA.id}/audit?limit=200`)).body.items.map(
        (e: { action: string }) => e.action,
      ),
    );
    for (const action of [
      'code.generate',
      'code.reissue',
      'account.block',
      'account.unblock',
      'password.reset_request',
      'connection_sheet.print',
    ])
      expect(actions).toContain(action);
    const next = await bench.api(
      token,
      'GET',
      `/v1/classes/${bench.school.classA.id}/audit?limit=5&cursor=${first.body.nextCursor}`,
    );
    expect(next.body.items[0].at <= first.body.items[4].at).toBe(true);
    expect(next.body.items.map((e: { id: string }) => e.id)).not.toContain(first.body.items[4].id);
    const older = await bench.api(
      token,
      'GET',
      `/v1/classes/${bench.school.classA.id}/audit?limit=5&before=${encodeURIComponent(first.body.items[4].at)}`,
    );
    for (const e of older.body.items) expect(e.at < first.body.items[4].at).toBe(true);
    const all = JSON.stringify(
      (await bench.api(token, 'GET', `/v1/classes/${bench.school.classA.id}/audit?limit=200`)).body,
    );
    const live = await bench.ts.server.domain.codes.liveCodes(bench.school.studentsA.map((s) => s.id));
    for (const code of live.values()) expect(all).not.toContain(code.code);
    expect(all).toContain('Claire Maîtresse');
  });

  it('pages by cursor through events of the same millisecond (a bulk action) without skipping or repeating any', async () => {
    const { db, domain } = bench.ts.server;
    const classId = bench.school.classA.id;
    const sameMs = new Date(Date.now() + 86_400_000);
    await db.transaction(async (m) => {
      for (let i = 0; i < 12; i++)
        await domain.audit.record(m, { action: 'class.same_ms', classId, outcome: 'success', detail: { n: i } });
    });
    await db.dataSource
      .createQueryBuilder()
      .update('audit_events')
      .set({ createdAt: sameMs })
      .where('action = :a', { a: 'class.same_ms' })
      .execute();

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: { items: { id: string; action: string }[]; nextCursor: string | null } } =
        await bench.api(token, 'GET', `/v1/classes/${classId}/audit?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    const all = (await bench.api(token, 'GET', `/v1/classes/${classId}/audit?limit=200`)).body.items.map(
      (e: { id: string }) => e.id,
    );
    expect(all.length).toBeLessThan(200);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(all);

    const bad = await bench.api(token, 'GET', `/v1/classes/${classId}/audit?cursor=pas-un-curseur`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('cursor');
  });
});
