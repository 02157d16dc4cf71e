// Load child for bench/saml.ts: SP-initiated SAML SSO with an existing session, `concurrency`
// browsers at a time (each a cookie jar signed in once, through CONNEXION, before the
// window): GET /saml/sso?SAMLRequest (a fresh request id each time) → /auth (the session:
// no form) → /saml/callback → the page with the signed Response. Counts Responses, their
// latency, and the server's CPU over the window.
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
  const latencies: number[] = [];
  const errors: string[] = [];
  const cpu0 = processCpuMs(a.serverPid);
  const own0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + a.seconds * 1000;
  await Promise.all(
    browsers.map(async (browser) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await response(browser);
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
