// Prometheus metrics at /metrics: process defaults, HTTP latency by route, sign-ins by
// outcome, one-time codes generated and consumed, tokens issued, and the database pool.
// One registry per server (tests run several in one process).
//
// Counting is done at the composition root: the domain services are plain objects, so
// `instrumentDomain` wraps the few methods whose results are counted (login.authenticate,
// codes.generate/issue/consume). The work counters are the exception: argon2 verifications
// and code and recovery lookups are counted by the domain where they happen (`domain.work`,
// so a skipped verification cannot still be counted), and this module subscribes to them;
// tests use them to show every kind of failed attempt costs the same. `instrumentProvider` listens
// to oidc-provider's model events (`access_token.saved`, …). The provider is rebuilt when the
// signing keys change, so the listeners are attached to each new provider as it appears.
import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type Provider from 'oidc-provider';
import type { Database } from '../db/index.js';
import type { Domain, WorkKind } from '../domain/index.js';

const METRICS_PATH = '/metrics';

export type LoginOutcome = 'ok' | 'code' | 'failed' | 'throttled' | 'blocked';

export interface Metrics {
  registry: Registry;
  /** Times every request (histogram) and answers GET /metrics. Mount it first. */
  middleware: Middleware;
  instrumentDomain(domain: Domain): void;
  /** Attaches the token counters to the current provider (call per request; cheap). */
  instrumentProvider(provider: Provider): void;
  /** Counts a back-channel logout delivery's outcome (oidc/backchannel.ts). */
  countLogoutDelivery(outcome: 'delivered' | 'failed' | 'abandoned'): void;
}

/** First path segments we serve; anything else is labelled `other` (no label explosion). */
const KNOWN = new Set([
  '',
  '.well-known',
  'auth',
  'token',
  'me',
  'jwks',
  'session',
  'interaction',
  'mot-de-passe',
  'identifiant-oublie',
  'admin',
  'cas',
  'demo-app',
  'demo-app-2',
  'static',
  'healthz',
  'readyz',
  'metrics',
  'token',
  'introspection',
  'revocation',
  'reg',
  'request',
]);
/** Segments that are ids or tokens: uuids, long random strings, numbers. */
const ID_SEGMENT = /^(?:[0-9a-f-]{32,36}|[A-Za-z0-9_-]{16,}|\d+)$/;

/** The provider's fixed paths, labelled as themselves without splitting (every token request). */
const FIXED = new Set(['/token', '/token/introspection', '/token/revocation', '/me', '/jwks', '/auth']);

/** A low-cardinality route label: `/interaction/:id/login`, `/static/*`, `other`. */
export function routeLabel(path: string): string {
  if (FIXED.has(path)) return path;
  const segments = path.split('/').slice(1);
  if (!KNOWN.has(segments[0] ?? '')) return 'other';
  if (segments[0] === 'static') return '/static/*';
  const kept = segments.slice(0, 4).map((s) => (ID_SEGMENT.test(s) ? ':id' : s.length > 40 ? ':id' : s));
  return `/${kept.join('/')}${segments.length > 4 ? '/*' : ''}`;
}

export function createMetrics(options: { db: Database; poolSize: number; token?: string }): Metrics {
  const { db } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'entidp_http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const logins = new Counter({
    name: 'entidp_logins_total',
    help: 'Sign-in attempts on CONNEXION by outcome (ok: password accepted; code: a one-time code opened the password page)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const codesGenerated = new Counter({
    name: 'entidp_codes_generated_total',
    help: 'One-time codes generated, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const logoutDeliveries = new Counter({
    name: 'entidp_backchannel_logouts_total',
    help: 'Back-channel logout deliveries to applications, by outcome (failed: will be retried; abandoned: retried for BACKCHANNEL_LOGOUT_RETRY, given up)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ['delivered', 'failed', 'abandoned']) logoutDeliveries.inc({ outcome }, 0);
  const codesConsumed = new Counter({
    name: 'entidp_codes_consumed_total',
    help: 'One-time codes consumed (a password chosen from a code)',
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'entidp_tokens_issued_total',
    help: 'Tokens issued by the provider, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const work: Record<WorkKind, Counter> = {
    password_verification: new Counter({
      name: 'entidp_password_verifications_total',
      help: 'argon2 verifications, real and dummy (unknown identifiant, account without password) alike',
      registers: [registry],
    }),
    code_lookup: new Counter({
      name: 'entidp_code_lookups_total',
      help: 'Lookups of a live one-time code for a typed secret shaped like a code',
      registers: [registry],
    }),
    recovery_lookup: new Counter({
      name: 'entidp_recovery_lookups_total',
      help: 'Account lookups of « Mot de passe oublié » and « Identifiant oublié » (after the reply)',
      registers: [registry],
    }),
  };
  for (const outcome of ['ok', 'code', 'failed', 'throttled', 'blocked']) logins.inc({ outcome }, 0);
  for (const kind of ['activation', 'renewal']) codesGenerated.inc({ kind }, 0);
  new Gauge({
    name: 'entidp_db_pool_connections',
    help: 'Database connections: max (pool size), open and free (MySQL pool; SQLite is one connection)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      if (db.kind === 'sqlite') {
        for (const state of ['max', 'open', 'free']) this.set({ state }, 1);
        return;
      }
      const { open, free } = db.poolStats();
      this.set({ state: 'max' }, options.poolSize);
      this.set({ state: 'open' }, open);
      this.set({ state: 'free' }, free);
    },
  });

  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : null;
  const authorized = (header: string) => {
    if (!expected) return true;
    const given = Buffer.from(header);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const middleware: Middleware = async (ctx, next) => {
    if (ctx.path === METRICS_PATH && ctx.method === 'GET') {
      if (!authorized(ctx.get('authorization'))) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer');
        ctx.body = 'unauthorized\n';
        return;
      }
      ctx.type = registry.contentType;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await registry.metrics();
      return;
    }
    const end = httpDuration.startTimer({ method: ctx.method, route: routeLabel(ctx.path) });
    try {
      await next();
    } finally {
      end({ status: String(ctx.status) });
    }
  };

  const hooked = new WeakSet<object>();
  return {
    registry,
    middleware,
    instrumentDomain(domain) {
      const { login, codes } = domain;
      domain.work.observe((kind) => work[kind].inc());
      const authenticate = login.authenticate;
      login.authenticate = async (input) => {
        const result = await authenticate(input);
        const outcome: Record<typeof result.outcome, LoginOutcome> = {
          password: 'ok',
          code: 'code',
          invalid: 'failed',
          dead_code: 'failed',
          throttled: 'throttled',
          blocked: 'blocked',
        };
        logins.inc({ outcome: outcome[result.outcome] });
        return result;
      };
      const generate = codes.generate;
      codes.generate = async (manager, input) => {
        const code = await generate(manager, input);
        codesGenerated.inc({ kind: input.kind });
        return code;
      };
      const issue = codes.issue;
      codes.issue = async (input) => {
        const code = await issue(input);
        codesGenerated.inc({ kind: input.kind });
        return code;
      };
      const consume = codes.consume;
      codes.consume = async (manager, codeId) => {
        const consumed = await consume(manager, codeId);
        if (consumed) codesConsumed.inc();
        return consumed;
      };
    },
    countLogoutDelivery(outcome) {
      logoutDeliveries.inc({ outcome });
    },
    instrumentProvider(provider) {
      if (hooked.has(provider)) return;
      hooked.add(provider);
      const on = provider.on.bind(provider) as (event: string, listener: (...args: unknown[]) => void) => void;
      for (const type of ['access_token', 'refresh_token', 'client_credentials', 'authorization_code']) {
        on(`${type}.saved`, () => tokens.inc({ type }));
        on(`${type}.issued`, () => tokens.inc({ type }));
      }
      on('grant.success', (ctx) => {
        const body = (ctx as { body?: { id_token?: unknown } }).body;
        if (body && typeof body === 'object' && body.id_token) tokens.inc({ type: 'id_token' });
      });
    },
  };
}
