// A SAML request from a browser already signed in, answered at once (issue 18's bound): the
// provider's own session, read as the provider reads it (its signed `_session` cookie, its
// store), may answer when `ent-saml` was already authorized in it — so the session's end
// reaches this SP through `ent-saml`'s back-channel logout (its sid) — and when nothing is
// pending for the account (the terms of use in force). Otherwise, and for ForceAuthn, the
// request goes through the OIDC round trip of `ent-saml`, which asks for whatever is missing.
import type { Context } from 'koa';
import type { Oidc } from '../oidc/index.js';
import type { Terms } from '../domain/terms.js';
import { SAML_CLIENT_ID } from './oidc-client.js';

export function reusableSession(oidc: Oidc, terms: Pick<Terms, 'pendingFor'>) {
  return async (ctx: Context): Promise<{ accountId: string; sid: string } | null> => {
    const session = await oidc.provider.Session.get(ctx as never);
    const accountId = session.accountId;
    const sid = (session.authorizations as Record<string, { sid?: string }> | undefined)?.[SAML_CLIENT_ID]?.sid;
    if (!accountId || !sid) return null;
    if (await terms.pendingFor(accountId)) return null;
    return { accountId, sid };
  };
}
