// One error type for every HTTP layer: an HTTP status, a stable code, a French message
// that is safe to show, and a private detail for the logs. `errorHandler` turns any error
// into an HTML page (views/error.njk) or an RFC 7807 problem+json body.
import type { Context, Next } from 'koa';
import type { Logger } from '../logger.js';
import { requestLogFields } from './request-id.js';

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    /** Shown to the user, in French. */
    readonly publicMessage: string,
    /** Logged, never shown. */
    readonly detail?: string,
  ) {
    super(detail ?? publicMessage);
  }
}

export const badRequest = (message: string, code = 'invalid_request', detail?: string) => new AppError(400, code, message, detail);
export const notFound = (message = 'Cette page n’existe pas.') => new AppError(404, 'not_found', message);
export const forbidden = (message = 'Vous n’avez pas accès à cette page.', code = 'forbidden') => new AppError(403, code, message);
export const serviceUnavailable = (detail?: string) =>
  new AppError(503, 'service_unavailable', 'Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.', detail);

const TITLES: Record<number, string> = {
  400: 'Requête invalide',
  401: 'Authentification requise',
  403: 'Accès refusé',
  404: 'Page introuvable',
  405: 'Méthode non autorisée',
  409: 'Conflit',
  413: 'Requête trop volumineuse',
  415: 'Format non pris en charge',
  422: 'Données invalides',
  429: 'Trop de tentatives',
  503: 'Service indisponible',
};

/** Errors from the database driver that mean "the database is not reachable right now". */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; fatal?: boolean; driverError?: { code?: string; fatal?: boolean } };
  const code = e.code ?? e.driverError?.code;
  // mysql2 marks errors that ended the connection as fatal; some carry no code (« Can't add
  // new command when connection is in closed state », on a connection the link cut).
  if (e.fatal === true || e.driverError?.fatal === true) return true;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'EPIPE', 'SQLITE_BUSY', 'ER_CON_COUNT_ERROR', 'POOL_CLOSED'].includes(code ?? '');
}

/**
 * The OAuth JSON endpoints' answer when the database is out of reach (RFC 6749 §5.2
 * `temporarily_unavailable`, 503): a failed provider request (oidc/index.ts) or a request
 * past its deadline (deadline.ts).
 */
export function answerTemporarilyUnavailable(ctx: Context): void {
  ctx.status = 503;
  ctx.set('Retry-After', '5');
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable; retry in a few seconds.' };
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) return serviceUnavailable((err as Error).message);
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string };
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500) {
    // koa / body parser errors (413 too large, 415, 400 invalid JSON …)
    return new AppError(status, 'invalid_request', TITLES[status] ?? 'Requête invalide', e.message);
  }
  return new AppError(500, 'server_error', 'Une erreur inattendue est survenue. Veuillez réessayer.', e.message);
}

export function wantsJson(ctx: Context): boolean {
  return ctx.path.includes('/api/') || (ctx.accepts(['html', 'json']) === 'json' && !ctx.accepts('html'));
}

export function errorHandler(logger: Logger) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      // Nothing answered (an unknown path): our French 404 page, not Koa's English « Not Found ».
      if (ctx.status === 404 && ctx.body == null) throw notFound();
    } catch (err) {
      const error = toAppError(err);
      if (error.status >= 500) logger.error({ err, ...requestLogFields(ctx) }, 'request failed');
      else logger.info({ code: error.code, detail: error.detail, ...requestLogFields(ctx) }, 'request refused');
      ctx.status = error.status;
      if (error.status === 503) ctx.set('Retry-After', '5');
      if (wantsJson(ctx)) {
        ctx.type = 'application/problem+json';
        ctx.body = { type: 'about:blank', title: TITLES[error.status] ?? 'Erreur', status: error.status, code: error.code, detail: error.publicMessage };
        return;
      }
      await renderErrorPage(ctx, error.status, TITLES[error.status] ?? 'Erreur', error.publicMessage);
    }
  };
}

/** Renders views/error.njk; falls back to plain text if the template cannot render. */
export async function renderErrorPage(ctx: Context, status: number, title: string, message: string): Promise<void> {
  ctx.status = status;
  try {
    await ctx.render('error', { title, message });
    ctx.status = status;
  } catch {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `${title}\n\n${message}`;
  }
}
