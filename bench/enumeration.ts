// bench/enumeration.ts — the clock side of « no enumeration »: median answer times of failed
// sign-ins per kind (unknown identifiant, wrong password, live code, no password yet,
// blocked; text and code-shaped secrets) and of the two recovery pages per kind, and the
// ratio of the slowest median to the fastest. `npm test` checks the same property by counting
// the work (test/integration/security/enumeration.test.ts); this is where the time is shown.
//
//   npx tsx bench/enumeration.ts      BENCH_ENUMERATION_TRIES=200   (TEST_DATABASE_URL=mysql://… for MariaDB)
//
// Tries are interleaved in rounds of random order (drift and other load hit every kind
// alike), after a warm-up. argon2 runs at a higher cost than the tests so that a kind that
// skipped it would stand well above the noise. The clock runs in a child process
// (lib/timing-client.mjs), as an attacker's would: outside the server's event loop, so it
// does not see the work left after the reply (recovery lookups, mails).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../test/helpers/server.js';
import { Browser } from '../test/helpers/browser.js';
import { authorizationRequest, REDIRECT_URI, registerClient } from '../test/helpers/oidc.js';
import { createAccount } from '../test/helpers/factories.js';
import { findingLine, knob, machineLine, runIfMain, table, type Finding } from './lib/report.js';

type Answer = { status: number; html: string; ms: number };
/** Above this ratio of medians a kind may be told apart by its time. */
const RATIO_TARGET = 1.1;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export async function runEnumeration(): Promise<Finding[]> {
  const tries = knob('ENUMERATION_TRIES', 200);
  const warmup = 15;
  console.log(`\n== enumeration: median answer time per kind of failed attempt (${tries} tries each, interleaved) ==`);
  console.log(machineLine());
  process.env.NODE_ENV = 'test';
  const clock: ChildProcess = fork(fileURLToPath(new URL('./lib/timing-client.mjs', import.meta.url)), {
    stdio: 'inherit',
  });
  let ts: TestServer | undefined;
  try {
    // Per-address recovery limit raised: past it the pages skip the lookup, which is not the
    // path to time (each try comes from a fresh X-Forwarded-For, so the per-IP limit holds).
    ts = await startTestServer({
      env: {
        TRUST_PROXY: 'true',
        LOGIN_MAX_FAILURES: '1000',
        LOGIN_MAX_FAILURES_PER_IP: '100000',
        RECOVERY_MAX_PER_ADDRESS: '1000',
        ARGON2_MEMORY_KIB: '8192',
        ARGON2_TIME_COST: '2',
      },
    });
    const server = ts;
    const app = await registerClient(server, { clientId: 'bench-enumeration' });

    let ipCounter = 0;
    const nextIp = () => `10.${(++ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
    let nextId = 0;
    /** POSTs a form with the browser's cookies from a fresh X-Forwarded-For, timed by the child. */
    const post = (browser: Browser, url: string, form: Record<string, string>) =>
      new Promise<Answer>((resolve, reject) => {
        const id = ++nextId;
        const onMessage = (m: Answer & { id: number; error?: string }) => {
          if (m.id !== id) return;
          clock.off('message', onMessage);
          if (m.error) reject(new Error(m.error));
          else resolve(m);
        };
        clock.on('message', onMessage);
        clock.send({
          id,
          url,
          headers: {
            cookie: browser.cookieHeader(),
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': nextIp(),
          },
          body: new URLSearchParams(form).toString(),
        });
      });

    const measure = async (kinds: Record<string, () => Promise<Answer>>): Promise<Record<string, number>> => {
      const names = Object.keys(kinds);
      const idle = () => server.server.domain.mail.idle();
      for (let i = 0; i < warmup; i++) for (const k of names) await kinds[k]!().then(idle);
      const times = Object.fromEntries(names.map((k) => [k, [] as number[]]));
      for (let i = 0; i < tries; i++) {
        // A new random order each round: the garbage one kind leaves is collected during
        // whichever request comes next, which must not always be the same kind.
        for (const k of shuffled(names)) {
          const r = await kinds[k]!();
          if (r.status !== 200 && r.status !== 401) throw new Error(`${k}: unexpected status ${r.status}`);
          times[k]!.push(r.ms);
          await idle(); // the work left after a reply ends before the next request
        }
      }
      return Object.fromEntries(names.map((k) => [k, median(times[k]!)]));
    };

    const { passwords, codes } = server.server.domain;
    const hash = await passwords.hash('le vrai mot de passe');
    const db = server.server.db;
    await createAccount(db, {
      login: 'anna.colin',
      firstName: 'Anna',
      lastName: 'Colin',
      profile: 'Student',
      passwordHash: hash,
    });
    const withCode = await createAccount(db, {
      login: 'remi.colin',
      firstName: 'Rémi',
      lastName: 'Colin',
      profile: 'Student',
      passwordHash: hash,
    });
    await codes.issue({ accountId: withCode.id, kind: 'renewal', createdBy: null });
    const fresh = await createAccount(db, {
      login: 'neuf.colin',
      firstName: 'Neuf',
      lastName: 'Colin',
      profile: 'Student',
    });
    await codes.issue({ accountId: fresh.id, kind: 'activation', createdBy: null });
    await createAccount(db, {
      login: 'bloque.colin',
      firstName: 'Bloqué',
      lastName: 'Colin',
      profile: 'Student',
      passwordHash: hash,
      blockedAt: new Date(),
    });
    await createAccount(db, {
      login: 'mail.colin',
      firstName: 'Mail',
      lastName: 'Colin',
      profile: 'Relative',
      email: 'mail.colin@example.test',
      password: 'un mot de passe',
    });
    await createAccount(db, {
      login: 'parent.colin',
      firstName: 'Parent',
      lastName: 'Colin',
      profile: 'Relative',
      email: 'parent.colin@example.test',
    });

    const browser = new Browser();
    const request = await authorizationRequest(app);
    const page = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
    const csrfOf = (html: string) => /name="_csrf" value="([^"]*)"/.exec(html)![1]!;
    const uid = /\/interaction\/([\w-]+)/.exec(page.html)![1]!;
    const loginUrl = `${server.url}/interaction/${uid}/login`;
    const attempt = (identifiant: string, secret: string) => () =>
      post(browser, loginUrl, { _csrf: csrfOf(page.html), identifiant, mot_de_passe: secret });
    const TEXT = 'pas le bon mot de passe';
    const CODE_SHAPED = 'abcd3456';
    const forgotPassword = csrfOf((await browser.go(`${server.url}/mot-de-passe-oublie`)).html);
    const askPassword = (identifiant: string) => () =>
      post(browser, `${server.url}/mot-de-passe-oublie`, { _csrf: forgotPassword, identifiant });
    const forgotLogin = csrfOf((await browser.go(`${server.url}/identifiant-oublie`)).html);
    const askLogin = (courriel: string) => () =>
      post(browser, `${server.url}/identifiant-oublie`, { _csrf: forgotLogin, courriel });

    const groups: Record<string, Record<string, () => Promise<Answer>>> = {
      'CONNEXION, text secret': {
        unknown: attempt('personne.inconnue', TEXT),
        wrongPassword: attempt('anna.colin', TEXT),
        hasLiveCode: attempt('remi.colin', TEXT),
        noPassword: attempt('neuf.colin', TEXT),
        blocked: attempt('bloque.colin', TEXT),
      },
      'CONNEXION, code-shaped secret': {
        unknown: attempt('personne.inconnue', CODE_SHAPED),
        wrongPassword: attempt('anna.colin', CODE_SHAPED),
        wrongCode: attempt('remi.colin', CODE_SHAPED),
        noPassword: attempt('neuf.colin', CODE_SHAPED),
        blocked: attempt('bloque.colin', CODE_SHAPED),
      },
      'Mot de passe oublié': {
        withEmail: askPassword('mail.colin'),
        noEmail: askPassword('anna.colin'),
        blocked: askPassword('bloque.colin'),
        unknown: askPassword('personne.inconnue'),
      },
      'Identifiant oublié': {
        known: askLogin('parent.colin@example.test'),
        unknown: askLogin('personne@example.test'),
        notAnAddress: askLogin('pas une adresse'),
      },
    };

    const findings: Finding[] = [];
    for (const [group, kinds] of Object.entries(groups)) {
      const medians = await measure(kinds);
      const values = Object.values(medians);
      const ratio = Math.max(...values) / Math.min(...values);
      console.log(
        table(
          `${group} (ms, median of ${tries})`,
          Object.entries(medians).map(([kind, ms]) => ({ kind, median: ms, 'vs fastest': ms / Math.min(...values) })),
        ),
      );
      findings.push({
        bench: 'enum',
        name: `${group}: max/min median`,
        value: ratio,
        unit: 'x',
        target: `≤ ${RATIO_TARGET}`,
        met: ratio <= RATIO_TARGET,
      });
    }
    for (const f of findings) console.log(findingLine(f));
    return findings;
  } finally {
    clock.disconnect();
    await ts?.stop();
  }
}

runIfMain(import.meta.url, runEnumeration);
