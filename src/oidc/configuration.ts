// oidc-provider's configuration, as data built from our typed Config. Everything a deployer
// tunes comes from settings; everything else is the strict standards behaviour.
import type { Configuration, KoaContextWithOIDC, ResourceServer, Client, UnknownObject } from 'oidc-provider';
import type nunjucks from 'nunjucks';
import type { JWK } from 'jose';
import type { Config } from '../config/index.js';
import type { Domain } from '../domain/index.js';
import type { Database } from '../db/index.js';
import { adapterFactory } from './adapter.js';
import { withTokenDigests } from './token-digests.js';
import { SCOPE_CLAIMS, findAccount } from './claims.js';
import type { ClientStore } from './clients.js';
import { frenchOidcError } from './errors-fr.js';
import { isDatabaseUnavailable, serviceUnavailable } from '../http/errors.js';
import { ADMIN_SCOPE } from '../scopes.js';
import { policyWithTerms } from './terms-prompt.js';
import { CookieKeys } from '../http/cookie-keys.js';

/** Every scope the provider grants; clientValidator (index.ts) checks clients against the same list. */
export const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'ent', ADMIN_SCOPE];

export interface ConfigurationDeps {
  config: Config;
  db: Database;
  domain: Domain;
  clients: ClientStore;
  nunjucks: nunjucks.Environment;
  jwks: JWK[];
  /** oidc-provider's error classes, from the module index.ts loaded (it is imported lazily). */
  providerErrors: typeof import('oidc-provider').errors;
  /** oidc-provider's interaction policy helpers, from the same module. */
  providerPolicy: typeof import('oidc-provider').interactionPolicy;
  /** The request being handled (`Provider.ctx`), for the adapter's batched writes. */
  currentContext?: () => object | undefined;
}

const isFirstParty = (client: Client | undefined) => Boolean(client?.metadata().ent_first_party);

/**
 * Our client properties, for the provider and for the validation-only provider (index.ts):
 * `ent_first_party` skips consent; `ent_resource_server` lets a service introspect tokens
 * issued to other clients (see mayIntrospect), so it needs a client that authenticates.
 */
export const extraClientMetadata: NonNullable<Configuration['extraClientMetadata']> = {
  properties: ['ent_first_party', 'ent_resource_server'],
  validator(_ctx, key, value, metadata) {
    if (value !== undefined && typeof value !== 'boolean') throw new Error(`${key} must be a boolean`);
    if (key === 'ent_resource_server' && value === true && metadata.token_endpoint_auth_method === 'none') {
      throw new Error('a resource server must be a confidential client');
    }
  },
};

/**
 * Who may introspect a token (RFC 7662 leaves it to the server): the client it was issued to,
 * and a declared resource server (`ent_resource_server`) for access tokens only — a refresh
 * token is only ever presented by its own client. A resource server may introspect any
 * client's access token, not only those whose audience names it: tokens issued to ENT
 * applications carry no audience of a resource server (the only resource indicator here is
 * the admin API, whose tokens are JWTs checked locally), so an audience rule would leave
 * resource servers nothing to introspect. Being declared by an operator is the trust.
 */
function mayIntrospect(client: Client, token: { clientId?: string; kind: string }): boolean {
  if (token.clientId === client.clientId) return true;
  return (
    client.metadata().ent_resource_server === true &&
    client.clientAuthMethod !== 'none' &&
    token.kind !== 'RefreshToken'
  );
}

export function providerConfiguration(deps: ConfigurationDeps): Configuration {
  const { config, nunjucks: views, providerErrors } = deps;
  const ttl = config.ttl;
  // POST on the authorization and end-session endpoints needs the session cookie to travel
  // on cross-site POSTs (SameSite=None), which browsers only accept on Secure cookies: so
  // it is on whenever the issuer is https, and off on a plain-http development issuer.
  const https = config.issuer.startsWith('https://');
  const render = (ctx: KoaContextWithOIDC, template: string, vars: Record<string, unknown>) => {
    ctx.type = 'html';
    ctx.body = views.render(template, vars);
  };

  return {
    // Tokens are stored under a digest of their value (token-digests.ts).
    adapter: withTokenDigests(adapterFactory(deps.db, deps.clients, deps.currentContext)),
    findAccount: findAccount(deps.domain),
    jwks: { keys: deps.jwks as never },
    cookies: {
      keys: new CookieKeys(config.secrets.cookieKeys),
      long: { signed: true, httpOnly: true, sameSite: https ? 'none' : 'lax', secure: https },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: https },
    },
    claims: { ...SCOPE_CLAIMS } as unknown as Configuration['claims'],
    scopes: SCOPES,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    extraClientMetadata,
    responseTypes: ['code'],
    pkce: { required: () => true },
    enableHttpPostMethods: https,
    conformIdTokenClaims: true,
    allowOmittingSingleRegisteredRedirectUri: false,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Introspection: the token's own client and declared resource servers (mayIntrospect);
      // anyone else gets `{ active: false }`. Revocation: only the client the token was issued to.
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => mayIntrospect(client, token),
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      // Logout tokens are queued and delivered by backchannel.ts, not sent inline.
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          render(ctx, 'logout.njk', { title: 'Déconnexion', form, client: ctx.oidc.client?.clientName });
        },
        postLogoutSuccessSource(ctx) {
          render(ctx, 'logged-out.njk', { title: 'Vous êtes déconnecté', client: ctx.oidc.client?.clientName });
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, resourceIndicator): ResourceServer {
          if (resourceIndicator !== config.admin.audience) throw new providerErrors.InvalidTarget();
          return {
            scope: ADMIN_SCOPE,
            audience: config.admin.audience,
            accessTokenTTL: ttl.accessToken,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // First-party ENT applications skip the consent page: their grant is made here.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session!.grantIdFor(oidc.client!.clientId);
      const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (!isFirstParty(oidc.client)) return existing;
      const grant =
        existing ?? new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
        if (server.scope) grant.addResourceScope(indicator, server.scope);
      }
      await grant.save();
      return grant;
    },
    // OIDC drops offline_access unless prompt=consent; first-party ENT applications, which
    // never see a consent page, get refresh tokens bound to the session instead.
    issueRefreshToken: async (_ctx, client, source) =>
      client.grantTypeAllowed('refresh_token') && (source.scopes.has('offline_access') || isFirstParty(client)),
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: (_ctx, token) =>
        (token as { resourceServer?: ResourceServer }).resourceServer?.accessTokenTTL ?? ttl.accessToken,
      AuthorizationCode: ttl.authorizationCode,
      ClientCredentials: (_ctx, token) =>
        (token as { resourceServer?: ResourceServer }).resourceServer?.accessTokenTTL ?? ttl.clientCredentials,
      IdToken: ttl.idToken,
      Interaction: ttl.interaction,
      // « Se souvenir de moi » ticked: a persistent session of REMEMBER_ME_TTL; unticked, the
      // cookie dies with the browser and the server forgets it after SESSION_TTL.
      Session: (_ctx, session) => ((session as { transient?: boolean }).transient ? ttl.session : ttl.rememberMe),
      Grant: ttl.grant,
      // Absolute lifetime: a rotated refresh token keeps the first one's issue time.
      RefreshToken(_ctx, token) {
        const t = token as unknown as { iiat?: number; iat?: number };
        const first = t.iiat ?? t.iat ?? Math.floor(Date.now() / 1000);
        return Math.max(1, first + ttl.refreshToken - Math.floor(Date.now() / 1000));
      },
    },
    interactions: {
      // login, then the terms of use in force (terms-prompt.ts), then consent.
      policy: policyWithTerms(deps.providerPolicy, deps.domain.terms),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    async renderError(ctx, out, error) {
      // The database is out of reach: 503, as on our own pages, not a 500 « server_error ».
      if (isDatabaseUnavailable(error)) {
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        return render(ctx, 'error.njk', { title: 'Service indisponible', message: serviceUnavailable().publicMessage });
      }
      const { title, message } = frenchOidcError(out as unknown as UnknownObject, error);
      render(ctx, 'error.njk', { title, message });
    },
  };
}
