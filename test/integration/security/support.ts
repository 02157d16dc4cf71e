// Shared steps of the security suite: open CONNEXION, type a code, choose a password,
// compare pages, measure medians. (Not a test file: jest only runs *.test.ts.)
import type { TestServer } from '../../helpers/server.js';
import { Browser, type Page } from '../../helpers/browser.js';
import {
  authorizationRequest,
  REDIRECT_URI,
  submitLogin,
  type AuthorizationRequest,
  type RegisteredClient,
} from '../../helpers/oidc.js';

export async function connexion(
  app: RegisteredClient,
  browser: Browser,
  params: Record<string, string> = {},
): Promise<{ page: Page; request: AuthorizationRequest }> {
  const request = await authorizationRequest(app, params);
  const page = await browser.go(request.url.toString(), { stopAt: REDIRECT_URI });
  return { page, request };
}

/** authorize → CONNEXION with the code → the password page. */
export async function openWithCode(app: RegisteredClient, login: string, code: string, browser = new Browser()) {
  const { page: start, request } = await connexion(app, browser);
  const page = await submitLogin(browser, start, login, code);
  return { browser, request, page };
}

export function choosePassword(browser: Browser, page: Page, password: string, confirmation = password): Promise<Page> {
  return browser.submit(page, '/mot-de-passe', { nouveau_mot_de_passe: password, confirmation }, REDIRECT_URI);
}

export const uidOf = (page: Page): string => {
  const uid = /\/interaction\/([\w-]+)/.exec(page.html)?.[1] ?? /\/interaction\/([\w-]+)/.exec(page.url)?.[1];
  if (!uid) throw new Error(`no interaction uid on ${page.url}`);
  return uid;
};

/** The page with what legitimately differs between two renders (CSRF token) blanked. */
export const comparable = (page: Page) => page.html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds taken by `work`, measured with process.hrtime. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** POSTs a raw body with the browser's cookies (for malformed bodies the Browser cannot build). */
export async function rawPost(
  browser: Browser,
  url: string,
  body: string | Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...browser.headers, cookie: browser.cookieHeader(), 'content-type': contentType, ...headers },
    body: body as NonNullable<Parameters<typeof fetch>[1]>['body'],
    redirect: 'manual',
  });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

export const issueCode = (ts: TestServer, accountId: string, kind: 'activation' | 'renewal') =>
  ts.server.domain.codes.issue({ accountId, kind, createdBy: null });
