// Per-app state of the page, shared by the session middleware and the routes: the OIDC client
// and the refresh single-flight.
import type { AdminDeps } from '../index.js';
import { createPageOidcClient, type PageOidcClient, type TokenSet } from './oidc-client.js';

export interface PageContext {
  oidc: PageOidcClient;
  /**
   * Refreshes once per refresh token. Refresh tokens rotate and oidc-provider treats a reused
   * one as theft (it revokes the grant), so concurrent requests of one teacher (the page and
   * the live search) share one refresh, and a request still carrying the old cookie a moment
   * later gets the same result. (Per process: behind a load balancer, use sticky sessions or
   * accept that such a race signs the teacher out.)
   */
  refresh(tokens: TokenSet): Promise<TokenSet>;
}

const contexts = new WeakMap<AdminDeps['config'], PageContext>();
const REUSE_WINDOW_MS = 60_000;

export function pageContext(deps: AdminDeps): PageContext {
  let ctx = contexts.get(deps.config);
  if (!ctx) {
    const oidc = createPageOidcClient(deps.config);
    const inflight = new Map<string, { at: number; result: Promise<TokenSet> }>();
    ctx = {
      oidc,
      refresh(tokens) {
        const key = tokens.refreshToken ?? '';
        const now = Date.now();
        for (const [k, v] of inflight) if (now - v.at > REUSE_WINDOW_MS) inflight.delete(k);
        const known = inflight.get(key);
        if (known) return known.result;
        const result = oidc.refresh(tokens);
        inflight.set(key, { at: now, result });
        result.catch(() => inflight.delete(key));
        return result;
      },
    };
    contexts.set(deps.config, ctx);
  }
  return ctx;
}
