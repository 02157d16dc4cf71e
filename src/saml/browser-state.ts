// What a browser carries between /saml/sso and /saml/callback, in one sealed cookie
// (`ent.saml`, path /saml), as CAS does (src/cas/browser-state.ts): the sign-ins in progress,
// by OIDC state. Nothing in it signs anyone in.
import type { Context } from 'koa';
import type { Config } from '../config/index.js';
import { sealedCookie } from '../http/sealed-session.js';
import type { Logger } from '../logger.js';
import type { PendingCasLogin } from '../cas/oidc-client.js';

export const SAML_COOKIE = 'ent.saml';
const MAX_PENDING = 4;

export interface PendingSamlSignIn extends PendingCasLogin {
  serviceId: string;
  /** null: IdP-initiated (the Response is unsolicited). */
  requestId: string | null;
  acs: string;
  relayState: string | null;
  /** ms since epoch; older than INTERACTION_TTL is dropped. */
  at: number;
}

export function samlBrowserStore(config: Config, logger: Logger) {
  const cookie = sealedCookie(config, SAML_COOKIE, 'saml-browser-state', logger, '/saml');
  const maxAgeMs = config.ttl.interaction * 1000;
  const read = (ctx: Context): PendingSamlSignIn[] => {
    const value = cookie.read(ctx) ?? [];
    const now = Date.now();
    return (Array.isArray(value) ? (value as PendingSamlSignIn[]) : []).filter((s) => now - s.at < maxAgeMs);
  };
  const write = (ctx: Context, list: PendingSamlSignIn[]) => cookie.write(ctx, list.length ? list : null);
  return {
    add(ctx: Context, signIn: PendingSamlSignIn) {
      write(ctx, [...read(ctx), signIn].slice(-MAX_PENDING));
    },
    take(ctx: Context, state: string): PendingSamlSignIn | undefined {
      const list = read(ctx);
      const found = list.find((s) => s.state === state);
      if (found)
        write(
          ctx,
          list.filter((s) => s !== found),
        );
      return found;
    },
  };
}
