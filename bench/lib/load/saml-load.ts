// Load child for bench/saml.ts: SP-initiated SAML SSO with an existing session, `concurrency`
// browsers at a time (each a cookie jar signed in once, through CONNEXION, before the
// window): GET /saml/sso?SAMLRequest (a fresh request id each time), answered from the
// session with the page holding the signed Response (redirects, if any, are followed). Counts Responses, their
// latency, and the server's CPU over the window.
//
// In the window each browser goes on with its cookies over node:http with keep-alive (`LeanBrowser`)
// rather than the test helper's `fetch`: undici's fetch, its Headers and a regex walk over
// every form cost about as much CPU as a fifth of the server's per Response, on the same two
// cores (BENCHMARKS.md). It still follows every redirect with its cookie jar, and checks that
// the page holds a Response with its two signatures.
import http from 'node:http';
import { Browser, formOf } from '../../../test/helpers/browser.js';
import { authnRequest, redirectUrl } from '../../../test/helpers/saml.js';
import { childMain, reply } from '../proc.js';
import { percentile, processCpuMs } from '../report.js';

interface Args {
  issuer: string;
  sp: { entityId: string; acs: string };
  logins: string[];
  password: string;
  concurrency: number;
  seconds: number;
  serverPid: number;
}

/** A signed-in browser's cookie jar, with one keep-alive connection: what the window needs, no more. */
class LeanBrowser {
  private readonly cookies = new Map<string, string>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(signedIn: Browser) {
    for (const pair of signedIn.cookieHeader().split('; ')) {
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  private request(url: string): Promise<{ status: number; location: string | undefined; body: string }> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = http.get(url, { agent: this.agent, headers: cookie ? { cookie } : {} }, (res) => {
        for (const line of res.headers['set-cookie'] ?? []) {
          const semi = line.indexOf(';');
          const pair = semi < 0 ? line : line.slice(0, semi);
          const eq = pair.indexOf('=');
          const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
          if (value === '' || /;\s*(max-age=0|expires=Thu, 01 Jan 1970)/i.test(line)) this.cookies.delete(name);
          else this.cookies.set(name, value);
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  }

  /** Follows redirects to the page shown. */
  async go(url: string): Promise<{ status: number; body: string }> {
    let page = await this.request(url);
    for (let hops = 0; page.status >= 300 && page.status < 400 && page.location && hops < 15; hops++) {
      url = new URL(page.location, url).href;
      page = await this.request(url);
    }
    return page;
  }
}

const SAML_RESPONSE = /name="SAMLResponse" value="([^"]+)"/;

childMain(async () => {
  const a = JSON.parse(process.argv[2]!) as Args;
  if (!/^http:\/\/127\.0\.0\.1:/.test(a.issuer)) throw new Error('load only targets 127.0.0.1');
  const sso = `${a.issuer}/saml/sso`;
  const response = async (browser: Browser) => {
    const page = await browser.go(redirectUrl(sso, authnRequest(a.sp)));
    if (page.status !== 200 || !page.html.includes('SAMLResponse'))
      throw new Error(`no Response: ${page.status} ${page.html.slice(0, 200)}`);
    return formOf(page, a.sp.acs).hidden.SAMLResponse!;
  };
  // Sign each browser in once (CONNEXION), then a few warm-up Responses.
  const browsers = await Promise.all(
    Array.from({ length: a.concurrency }, async (_, i) => {
      const browser = new Browser();
      const first = await browser.go(redirectUrl(sso, authnRequest(a.sp)));
      const page = await browser.submit(first, '/login', {
        identifiant: a.logins[i % a.logins.length]!,
        mot_de_passe: a.password,
      });
      if (!page.html.includes('SAMLResponse')) throw new Error(`sign-in failed: ${page.html.slice(0, 200)}`);
      for (let w = 0; w < 5; w++) await response(browser);
      return browser;
    }),
  );
  // The page's Response, decoded: a samlp:Response to our ACS with two signatures (Assertion, Response).
  const leanResponse = async (browser: LeanBrowser) => {
    const page = await browser.go(redirectUrl(sso, authnRequest(a.sp)));
    const toAcs = page.status === 200 && page.body.includes(`action="${a.sp.acs}"`);
    const value = toAcs ? SAML_RESPONSE.exec(page.body)?.[1] : undefined;
    if (!value) throw new Error(`no Response: ${page.status} ${page.body.slice(0, 200)}`);
    const xml = Buffer.from(value, 'base64').toString('utf8');
    if (!xml.startsWith('<samlp:Response') || xml.split('<ds:SignatureValue>').length !== 3)
      throw new Error(`not a signed Response: ${xml.slice(0, 200)}`);
    return xml;
  };
  const lean = browsers.map((b) => new LeanBrowser(b));
  const latencies: number[] = [];
  const errors: string[] = [];
  const cpu0 = processCpuMs(a.serverPid);
  const own0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + a.seconds * 1000;
  await Promise.all(
    lean.map(async (browser) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await leanResponse(browser);
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors.push((err as Error).message);
          if (errors.length > 20) throw new Error(`too many failures: ${errors[0]}`, { cause: err });
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const serverCpuMs = processCpuMs(a.serverPid) - cpu0;
  const own = process.cpuUsage(own0);
  latencies.sort((x, y) => x - y);
  reply({
    type: 'result',
    perSecond: latencies.length / elapsed,
    responses: latencies.length,
    errors: errors.length,
    firstFailure: errors[0] ?? null,
    serverCpuPerResponseMs: serverCpuMs / latencies.length,
    loadCpuPerResponseMs: (own.user + own.system) / 1000 / latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  });
  process.exit(0);
});
