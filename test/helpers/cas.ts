// CAS from a service's point of view, for tests: a local service that records the single
// logout requests POSTed to it, and the sign-in a browser goes through (/cas/login → maybe
// CONNEXION → back to the service with a ticket).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestServer } from './server.js';
import { Browser, type Page } from './browser.js';

export interface CasServiceReceiver {
  /** The service's base URL (register it as a prefix). */
  url: string;
  /** The `logoutRequest` form fields received, in order. */
  logoutRequests: string[];
  waitForLogouts(count: number, ms?: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function startCasService(): Promise<CasServiceReceiver> {
  const logoutRequests: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const field = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('logoutRequest');
      if (req.method === 'POST' && field) logoutRequests.push(field);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/app/`;
  return {
    url,
    logoutRequests,
    async waitForLogouts(count, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (logoutRequests.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return logoutRequests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const casLoginUrl = (ts: TestServer, service: string, extra = '') =>
  `${ts.url}/cas/login?service=${encodeURIComponent(service)}${extra}`;

/** The ticket in a URL the browser was sent to, or null. */
export const ticketOf = (url: string): string | null => new URL(url).searchParams.get('ticket');

/**
 * /cas/login for `service`; when CONNEXION shows, signs in with `login` and `secret`. Returns
 * the last page: the service's URL with its ticket (not fetched), or a page shown on the way.
 */
export async function casSignIn(
  ts: TestServer,
  service: string,
  login: string,
  secret: string,
  options: { browser?: Browser; extra?: string } = {},
): Promise<{ browser: Browser; page: Page; connexionShown: boolean }> {
  const browser = options.browser ?? new Browser();
  const first = await browser.go(casLoginUrl(ts, service, options.extra), { stopAt: service });
  if (first.url.startsWith(service)) return { browser, page: first, connexionShown: false };
  const page = await browser.submit(first, '/login', { identifiant: login, mot_de_passe: secret }, service);
  return { browser, page, connexionShown: true };
}

export async function validate(ts: TestServer, path: string, ticket: string, service: string, extra = '') {
  const res = await fetch(
    `${ts.url}${path}?ticket=${encodeURIComponent(ticket)}&service=${encodeURIComponent(service)}${extra}`,
  );
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}
