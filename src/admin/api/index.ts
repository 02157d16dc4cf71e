// The admin API: /api/... inside the admin app (so /admin/api/... once mounted).
//
//   GET  /api/openapi.json                        OpenAPI 3.1 (no authentication)
//   GET  /api/v1/me                               the signed-in teacher and their roles
//   GET  /api/v1/classes                          their classes
//   GET  /api/v1/classes/:classId/accounts        a tab: ?profile=&q=&sort=&order=&page=&pageSize=
//   GET  /api/v1/classes/:classId/audit           the class's audit trail: ?before=&limit=
//   POST /api/v1/renewal-codes                    {accountIds, classId?} → codes
//   POST /api/v1/accounts/block                   {accountIds, classId?}
//   POST /api/v1/accounts/unblock                 {accountIds, classId?}
//   POST /api/v1/password-resets                  {accountIds, classId?} → mailed links
//   POST /api/v1/connection-sheets                {accountIds, format: pdf|csv, classId?}
//
// Each route reads top to bottom: authenticate (middleware) → validate (the folder's
// schema.ts) → domain.admin query/command, which authorizes first (policies, all or nothing,
// 404 for unknown-or-forbidden) → presenter. Errors are problem+json with a French detail.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import compose from 'koa-compose';
import type { Middleware } from 'koa';
import type { AdminDeps } from '../index.js';
import { AppError } from '../../http/errors.js';
import { authenticate } from './auth.js';
import { problems } from './http.js';
import { buildOpenApi, openApiOperation } from './openapi.js';
import type { Operation } from './registry.js';
import { accountRoutes } from './accounts/accounts.js';
import { blockAccounts, unblockAccounts } from './accounts/schema.js';
import { auditRoutes } from './audit/audit.js';
import { getAudit } from './audit/schema.js';
import { classRoutes } from './classes/classes.js';
import { listAccounts, listClasses } from './classes/schema.js';
import { connectionSheetRoutes } from './connectionSheets/connectionSheets.js';
import { createConnectionSheets } from './connectionSheets/schema.js';
import { meRoutes } from './me/me.js';
import { getMe } from './me/schema.js';
import { passwordResetRoutes } from './passwordResets/passwordResets.js';
import { createPasswordResets } from './passwordResets/schema.js';
import { renewalCodeRoutes } from './renewalCodes/renewalCodes.js';
import { createRenewalCodes } from './renewalCodes/schema.js';

const API_PREFIX = '/api';
const JSON_LIMIT = '100kb';

/** Every operation, in the order of the document. */
export const OPERATIONS: Operation[] = [
  openApiOperation,
  getMe,
  listClasses,
  listAccounts,
  getAudit,
  createRenewalCodes,
  blockAccounts,
  unblockAccounts,
  createPasswordResets,
  createConnectionSheets,
];

export function apiRoutes(deps: AdminDeps): Middleware {
  const { domain, logger } = deps;

  const publicRouter = new Router({ prefix: API_PREFIX });
  // One document per mount point (`/admin` in ent-idp and alone), keyed on koa-mount's own
  // prefix: never on the path as typed, whose case and slash variants are endless.
  const documents = new Map<string, unknown>();
  publicRouter.get('/openapi.json', (ctx) => {
    const server = `${(ctx as { mountPath?: string }).mountPath ?? ''}${API_PREFIX}`;
    if (!documents.has(server)) documents.set(server, buildOpenApi(OPERATIONS, server));
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = documents.get(server);
  });

  const routes = new Router({ prefix: API_PREFIX });
  meRoutes(routes);
  classRoutes(routes, domain);
  auditRoutes(routes, domain);
  renewalCodeRoutes(routes, domain);
  accountRoutes(routes, domain);
  passwordResetRoutes(routes, domain);
  connectionSheetRoutes(routes, domain, deps.config);

  // Nothing below the API falls through to the page: an unanswered path is a 404 (after
  // allowedMethods had its chance to say 405).
  const orNotFound: Middleware = async (ctx, next) => {
    await next();
    if (ctx.body === undefined && ctx.status === 404)
      throw new AppError(404, 'not_found', 'Cette adresse de l’API n’existe pas.');
  };
  // Every answer under /api/v1 is about people (codes in clear, names, audit trail): never
  // kept by a browser or a proxy, success or error alike.
  const noStore: Middleware = async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
  // Everything under /api/v1 is authenticated before routing (an unknown path answers 401
  // to strangers, 404 to teachers).
  const v1 = compose([
    noStore,
    bodyParser({ enableTypes: ['json'], jsonLimit: JSON_LIMIT, encoding: 'utf-8' }) as Middleware,
    authenticate(deps),
    routes.routes() as Middleware,
    routes.allowedMethods({ throw: true }) as Middleware,
  ]);
  const end = async () => {};
  const api = compose([
    problems(logger),
    orNotFound,
    publicRouter.routes() as Middleware,
    publicRouter.allowedMethods({ throw: true }) as Middleware,
    (ctx) => (ctx.path.startsWith(`${API_PREFIX}/v1/`) ? v1(ctx, end) : undefined),
  ]);

  return (ctx, next) => (ctx.path === API_PREFIX || ctx.path.startsWith(`${API_PREFIX}/`) ? api(ctx, end) : next());
}
