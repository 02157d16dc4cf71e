// A tiny HTTP "browser" for integration tests: a cookie jar, manual redirects and form
// reading, so a test drives the login pages exactly as a person's browser would, over
// real HTTP. (The Chromium tests in test/e2e do the same with a real browser.)
export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

/** The link a page's script follows by itself (« Mot de passe enregistré » → « Continuer »). */
function continueLink(page: Page): string | null {
  if (page.status !== 200) return null;
  const tag = /<a\b[^>]*\bdata-continue\b[^>]*>/.exec(page.html)?.[0];
  const href = tag && /href="([^"]+)"/.exec(tag)?.[1];
  return href ? href.replace(/&amp;/g, '&') : null;
}

export class Browser {
  private cookies = new Map<string, string>();
  /** Follows a page's `data-continue` link as its script would (false: stop on that page). */
  followContinue = true;
  constructor(readonly headers: Record<string, string> = {}) {}

  private store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  /** One request, no redirect following. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    const headers: Record<string, string> = { ...this.headers, ...init.headers };
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(res);
    return { url, status: res.status, html: await res.text(), headers: res.headers };
  }

  /**
   * Follows redirects until a page is shown, or until a redirect leaves for `stopAt` (the
   * client's redirect_uri, which nobody serves in these tests): then that URL is returned.
   */
  async go(url: string, init: { method?: string; form?: Record<string, string>; stopAt?: string } = {}): Promise<Page> {
    let page = await this.request(url, init);
    for (let hops = 0; hops < 15; hops++) {
      const redirect = page.status >= 300 && page.status < 400;
      const onward = redirect ? page.headers.get('location')! : this.followContinue ? continueLink(page) : null;
      if (!onward) break;
      const next = new URL(onward, page.url).toString();
      if (init.stopAt && next.startsWith(init.stopAt))
        return { url: next, status: page.status, html: '', headers: page.headers };
      page = await this.request(next);
    }
    return page;
  }

  /** Submits the first form whose action contains `actionPart`, with its hidden fields. */
  async submit(page: Page, actionPart: string, fields: Record<string, string>, stopAt?: string): Promise<Page> {
    const form = formOf(page, actionPart);
    return this.go(new URL(form.action || page.url, page.url).toString(), {
      form: { ...form.hidden, ...fields },
      stopAt,
    });
  }
}

export function formOf(page: Page, actionPart: string): { action: string; hidden: Record<string, string> } {
  const forms = [...page.html.matchAll(/<form[^>]*>([\s\S]*?)<\/form>/g)];
  for (const match of forms) {
    const action = /action="([^"]*)"/.exec(match[0])?.[1] ?? '';
    if (!action.includes(actionPart) && actionPart !== '') continue;
    const hidden: Record<string, string> = {};
    for (const input of match[1]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
      if (name) hidden[name] = decodeEntities(value);
    }
    return { action: decodeEntities(action), hidden };
  }
  throw new Error(
    `no form with action containing ${actionPart} on ${page.url} (status ${page.status}):\n${page.html.slice(0, 2000)}`,
  );
}

export function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

/** The text of the page without tags, for assertions on what a person reads. */
export function textOf(page: Page): string {
  return decodeEntities(page.html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}
