// Shared steps of the web-facing security tests (not a test file): the admin page signed in
// as a teacher, the headers every HTML page must carry, a dump of every table as text, and
// the problem checks for « never a 500, never a stack trace, always French ».
import type { TestServer } from '../../helpers/server.js';
import { Browser, formOf, type Page } from '../../helpers/browser.js';

/** /admin/ → CONNEXION → the teacher's class page, in a browser of its own. */
export async function adminSignIn(
  ts: TestServer,
  login: string,
  password: string,
): Promise<{ browser: Browser; page: Page; csrf: string }> {
  const browser = new Browser();
  const loginPage = await browser.go(`${ts.url}/admin/`);
  const page = await browser.submit(loginPage, '/login', { identifiant: login, mot_de_passe: password });
  if (page.status !== 200 || !page.url.includes('/admin/'))
    throw new Error(`admin sign-in failed: ${page.status} ${page.url}`);
  return { browser, page, csrf: formOf(page, '/actions').hidden._csrf ?? '' };
}

/** The security headers every HTML page of ent-idp must carry (returns the failures, for a readable diff). */
export function headerProblems(page: Pick<Page, 'headers' | 'url' | 'status'>): string[] {
  const h = page.headers;
  const problems: string[] = [];
  const csp = h.get('content-security-policy') ?? '';
  const directive = (name: string) =>
    csp
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith(`${name} `)) ?? '';
  if (directive('script-src') !== "script-src 'self'") problems.push(`script-src is «${directive('script-src')}»`);
  if (/unsafe-inline|unsafe-eval/.test(csp)) problems.push('CSP allows unsafe-inline/eval');
  if (directive('frame-ancestors') !== "frame-ancestors 'none'") problems.push('frame-ancestors is not none');
  if (directive('object-src') !== "object-src 'none'") problems.push('object-src is not none');
  if (h.get('x-frame-options') !== 'DENY') problems.push(`X-Frame-Options ${h.get('x-frame-options')}`);
  if (h.get('referrer-policy') !== 'no-referrer') problems.push(`Referrer-Policy ${h.get('referrer-policy')}`);
  if (h.get('x-content-type-options') !== 'nosniff')
    problems.push(`X-Content-Type-Options ${h.get('x-content-type-options')}`);
  return problems.map((p) => `${page.status} ${new URL(page.url).pathname}: ${p}`);
}

/** Every row of every table, every column, as text (Buffers as UTF-8 and hex). */
export async function dumpDatabase(ts: TestServer): Promise<string> {
  const db = ts.server.db;
  const mysql = ts.database.kind === 'mysql';
  const tables: string[] = mysql
    ? ((await db.read((m) => m.query('SHOW TABLES'))) as Record<string, string>[]).map((r) => Object.values(r)[0]!)
    : (
        (await db.read((m) => m.query("SELECT name FROM sqlite_master WHERE type = 'table'"))) as { name: string }[]
      ).map((r) => r.name);
  if (tables.length < 5) throw new Error(`only ${tables.length} tables found`);
  const parts: string[] = [];
  for (const table of tables) {
    const rows = (await db.read((m) =>
      m.query(mysql ? `SELECT * FROM \`${table}\`` : `SELECT * FROM "${table}"`),
    )) as Record<string, unknown>[];
    parts.push(`== ${table} (${rows.length})`);
    for (const row of rows) {
      parts.push(
        Object.entries(row)
          .map(
            ([k, v]) =>
              `${k}=${Buffer.isBuffer(v) ? `${v.toString('utf8')} ${v.toString('hex')}` : v instanceof Date ? v.toISOString() : String(v)}`,
          )
          .join(' | '),
      );
    }
  }
  return parts.join('\n');
}

/** Row counts of the tables that a refused request must leave alone. */
export async function counts(
  ts: TestServer,
  tables = ['accounts', 'one_time_codes', 'audit_events', 'password_reset_tokens'],
): Promise<Record<string, number>> {
  const mysql = ts.database.kind === 'mysql';
  const out: Record<string, number> = {};
  for (const t of tables) {
    const [row] = (await ts.server.db.read((m) =>
      m.query(`SELECT COUNT(*) AS n FROM ${mysql ? `\`${t}\`` : `"${t}"`}`),
    )) as { n: number | string }[];
    out[t] = Number(row!.n);
  }
  return out;
}

/** A stack trace or an internal error leaking into a response body. */
export const STACK =
  /\bat [\w$.<>]+ \(|\bat (?:file:|node:|\/)|node_modules|TypeError|ReferenceError|SyntaxError|QueryFailedError|SQLITE_|ER_[A-Z_]+/;
