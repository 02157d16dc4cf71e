// The OpenID Connect provider: oidc-provider configured as data (configuration.ts),
// persisted through TypeORM (adapter.ts), signing with keys from the database (keys.ts).
// When another instance or the CLI rotates the keys, the provider is rebuilt with the new
// key set, so every instance serves the same JWKS without a restart.
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type nunjucks from 'nunjucks';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Domain } from '../domain/index.js';
import type { Logger } from '../logger.js';
import { batchedWrites } from './adapter.js';
import { ClientStore } from './clients.js';
import { queueInsteadOfSending } from './backchannel.js';
import type { JWK } from 'jose';
import { answerTemporarilyUnavailable, isDatabaseUnavailable } from '../http/errors.js';
import { trustProxies } from '../http/proxy.js';
import { extraClientMetadata, providerConfiguration, SCOPES } from './configuration.js';
import { ensureSigningKeys, loadSigningJwks } from './keys.js';

/** The authorization endpoint resumed after an interaction (`/auth/:uid`). */
const RESUME = /^\/auth\/[^/]+$/;

export interface OidcDeps {
  config: Config;
  db: Database;
  domain: Domain;
  logger: Logger;
  nunjucks: nunjucks.Environment;
}

export interface Oidc {
  /** The current provider (replaced when the signing keys change). */
  readonly provider: Provider;
  clients: ClientStore;
  /** The private signing keys the provider signs with now (current first per algorithm). */
  signingKeys(): JWK[];
  middleware: Middleware;
  /** Calls `listener` with the current provider now and with every rebuilt one (event hooks). */
  onProvider(listener: (provider: Provider) => void): void;
  /** Rebuilds the provider if the keys in the database changed; true when it did. */
  reloadKeys(): Promise<boolean>;
  close(): Promise<void>;
}

type ProviderModule = typeof import('oidc-provider');

// Module state, on purpose: oidc-provider prints its « Unsupported runtime » warning with
// console.warn while its module is first evaluated, and console.warn is the only hook. The
// patch must wrap that one evaluation, and two overlapping patches could leave console.warn
// patched for good; so every caller (createOidc, clientValidator from the CLI, tests and
// bench) shares this single import. Node caches the module itself; this caches the patch.
let providerModule: Promise<ProviderModule> | undefined;

/**
 * oidc-provider warns on import when Node is older than 22 LTS. Node 20.19+ is what we
 * support and test; the warning goes to our log instead of the operator's terminal.
 */
function loadProviderModule(logger?: Logger): Promise<ProviderModule> {
  providerModule ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      const text = args.map(String).join(' ');
      if (text.includes('Unsupported runtime')) logger?.debug({ note: text }, 'oidc-provider runtime notice');
      else warn(...args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return providerModule;
}

/**
 * Runs `work` with oidc-provider's development notices silenced: the validation-only
 * provider below has no adapter nor keys on purpose, and would say so on every use. The
 * library writes them with console.warn, so that is what is filtered, for `work` only.
 */
async function withoutProviderNotices<T>(work: () => T | Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('oidc-provider WARNING')) warn(...args);
  };
  try {
    return await work();
  } finally {
    console.warn = warn;
  }
}

/** A provider used only to validate client metadata with oidc-provider's own schema. */
export async function clientValidator(config: Config, logger?: Logger) {
  const { default: ProviderClass } = await loadProviderModule(logger);
  const bare = await withoutProviderNotices(
    () =>
      new ProviderClass(config.issuer, {
        scopes: SCOPES,
        features: {
          clientCredentials: { enabled: true },
          devInteractions: { enabled: false },
          rpInitiatedLogout: { enabled: true },
          backchannelLogout: { enabled: true },
        },
        extraClientMetadata,
        responseTypes: ['code'],
      }),
  );
  return (metadata: Record<string, unknown>) => withoutProviderNotices(() => bare.Client.validate(metadata as never));
}

export async function createOidc(deps: OidcDeps): Promise<Oidc> {
  const { config, db, logger } = deps;
  const {
    default: ProviderClass,
    errors: providerErrors,
    interactionPolicy: providerPolicy,
  } = await loadProviderModule(logger);
  const clients = new ClientStore(db, config, await clientValidator(config, logger));

  await ensureSigningKeys(db, config);

  const build = async () => {
    const { keys, fingerprint } = await loadSigningJwks(db, config);
    const provider = new ProviderClass(
      config.issuer,
      providerConfiguration({
        ...deps,
        clients,
        jwks: keys,
        providerErrors,
        providerPolicy,
        currentContext: () => ProviderClass.ctx,
      }),
    );
    queueInsteadOfSending(provider, db, deps.domain.logoutQueue);
    // The provider is a Koa app too: its middleware runs on the outer app's contexts, but
    // interactionDetails/interactionResult build contexts of its own.
    trustProxies(provider, config);
    provider.on('server_error', (ctx, err) => {
      if (isDatabaseUnavailable(err)) ctx.state.databaseUnavailable = true;
      logger.error({ err, reqId: ctx.state?.reqId }, 'oidc-provider server error');
    });
    const on = provider.on.bind(provider) as (
      event: string,
      listener: (ctx: { state?: { reqId?: string } }, err: unknown) => void,
    ) => void;
    for (const event of [
      'grant.error',
      'introspection.error',
      'revocation.error',
      'userinfo.error',
      'end_session.error',
    ]) {
      on(event, (ctx, err) =>
        logger.info(
          {
            event,
            reqId: ctx.state?.reqId,
            error: (err as { error?: string }).error,
            detail: (err as { error_detail?: string }).error_detail,
          },
          'oidc request refused',
        ),
      );
    }
    return { provider, fingerprint, keys, handle: compose(provider.middleware as never) as unknown as Middleware };
  };

  const listeners: ((provider: Provider) => void)[] = [];
  let current = await build();
  const reloadKeys = async () => {
    const { fingerprint } = await loadSigningJwks(db, config);
    if (fingerprint === current.fingerprint) return false;
    current = await build();
    for (const listener of listeners) listener(current.provider);
    logger.info({ keys: fingerprint }, 'signing keys changed: provider reloaded');
    return true;
  };
  const timer = setInterval(
    () => void reloadKeys().catch((err) => logger.warn({ err }, 'signing key refresh failed')),
    60_000,
  );
  timer.unref();

  return {
    get provider() {
      return current.provider;
    },
    clients,
    signingKeys: () => current.keys,
    onProvider(listener) {
      listeners.push(listener);
      listener(current.provider);
    },
    middleware: async (ctx, next) => {
      if (ctx.method === 'GET' && RESUME.test(ctx.path)) {
        // The end of a sign-in (session, grant, code, the interaction's removal) stored in one
        // commit, as a grant's. If it cannot be, nothing of that step reaches the browser — not
        // the redirect carrying the code, not the cookies naming the session or clearing the
        // interaction's — so the same step can be taken again; the error page answers (503).
        try {
          await batchedWrites(db, ctx, () => current.handle(ctx, next));
        } catch (err) {
          ctx.remove('Location');
          ctx.remove('Set-Cookie');
          throw err;
        }
      } else if (ctx.method !== 'POST' || ctx.path !== '/token') await current.handle(ctx, next);
      else {
        // A grant's writes are held and stored together once it has its answer (adapter.ts);
        // if they cannot be, that answer (its tokens) is replaced by the error.
        try {
          await batchedWrites(db, ctx, () => current.handle(ctx, next));
        } catch (err) {
          if (!isDatabaseUnavailable(err)) throw err;
          logger.error({ err, reqId: ctx.state?.reqId }, 'token request: its writes could not be stored');
          return answerTemporarilyUnavailable(ctx);
        }
      }
      // The provider answers a failed database with a 500 `server_error` in JSON (HTML goes
      // through renderError): the database being out of reach is a 503 that will pass.
      if (
        ctx.state.databaseUnavailable &&
        ctx.status === 500 &&
        (ctx.body as { error?: string } | undefined)?.error === 'server_error'
      ) {
        answerTemporarilyUnavailable(ctx);
      }
    },
    reloadKeys,
    close: async () => clearInterval(timer),
  };
}
