// Child process: the baseline for bench/token.ts. A bare oidc-provider with its default
// in-memory adapter and development keys, configured like ent-idp where it matters to the
// token endpoint: the same clients, PKCE, opaque refresh and access tokens, refresh tokens
// issued to the first-party client and rotated on every use, RS256 ID tokens, ent-idp's
// default lifetimes, grants made without a consent page. Logins go through oidc-provider's
// development interactions. Plain JavaScript, like the ent-idp child (dist/).
// With BARE_SQLITE=<file> or BARE_MYSQL=<url> it keeps its artifacts in SQLite or MariaDB
// instead (the durable floors: bare-sqlite-adapter.mjs, bare-mysql-adapter.mjs).
import Provider from 'oidc-provider';
import { childMain, nextMessage, reply } from './child.mjs';
import { poolThreads } from './threads.mjs';
import { sqliteAdapterClass } from './bare-sqlite-adapter.mjs';
import { mysqlAdapterClass } from './bare-mysql-adapter.mjs';

childMain(async () => {
  const port = Number(process.env.PORT);
  const issuer = `http://127.0.0.1:${port}`;
  const configuration = {
    clients: JSON.parse(process.env.BENCH_CLIENTS),
    scopes: ['openid', 'offline_access', 'profile', 'email', 'ent'],
    claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name', 'preferred_username'] },
    cookies: { keys: ['bench-only-cookie-key-0000000000000000'] },
    pkce: { required: () => true },
    responseTypes: ['code'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 12 * 3600,
      Grant: 14 * 86400,
      RefreshToken: 14 * 86400,
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    // Any account id signs in (development form); claims are the subject only.
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      const grant =
        (grantId ? await oidc.provider.Grant.find(grantId) : undefined) ??
        new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      await grant.save();
      return grant;
    },
  };
  // BARE_SQLITE=<file>: the same provider on the simplest durable adapter (bare-sqlite-adapter.mjs).
  if (process.env.BARE_SQLITE) configuration.adapter = sqliteAdapterClass(process.env.BARE_SQLITE);
  if (process.env.BARE_MYSQL) configuration.adapter = await mysqlAdapterClass(process.env.BARE_MYSQL);
  const warn = console.warn;
  console.warn = () => undefined; // the development adapter and keys are the point here
  const provider = new Provider(issuer, configuration);
  console.warn = warn;
  // BARE_ARGON2=1: the development form's submission verifies a password with argon2id at
  // ARGON2_* (one verify per sign-in, on the pool, as ent-idp's CONNEXION does), so the bare
  // provider's sign-in runs beside the same argon2 work on the same cores.
  if (process.env.BARE_ARGON2) {
    const { default: argon2 } = await import('argon2');
    const hash = await argon2.hash('any', {
      type: argon2.argon2id,
      memoryCost: Number(process.env.ARGON2_MEMORY_KIB),
      timeCost: Number(process.env.ARGON2_TIME_COST),
      parallelism: Number(process.env.ARGON2_PARALLELISM),
    });
    provider.use(async (ctx, next) => {
      if (ctx.method === 'POST' && /^\/interaction\/[^/]+$/.test(ctx.path) && !(await argon2.verify(hash, 'any')))
        ctx.throw(401);
      await next();
    });
  }
  const server = provider.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  // Counted apart as for ent-idp (threads.mjs), though the bare provider hardly uses the pool.
  reply({
    type: 'ready',
    url: issuer,
    pid: process.pid,
    poolTids: process.env.BENCH_POOL_THREADS ? await poolThreads() : [],
  });
  await nextMessage('stop');
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
