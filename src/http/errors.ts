// The one error module. `AppError` is an error in HTTP terms: a status, a stable code, a
// French message that is safe to show, a private detail for the logs. `toAppError` is the one
// mapper from any error to it (a domain error's kind gives its status, below); from there
// `errorHandler` renders an HTML page (views/error.njk) or problem+json, the admin API
// renders the same problem+json (`problemBody`), and the CLI prints the same message.
import type { Context, Next } from 'koa';
import { DomainError, type DetailedError, type ErrorKind } from '../domain/errors.js';
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
    /** Each invalid field or line (problem+json `errors`). */
    readonly errors?: readonly DetailedError[],
  ) {
    super(detail ?? publicMessage);
  }
}

export const badRequest = (message: string, code = 'invalid_request', detail?: string) =>
  new AppError(400, code, message, detail);
export const notFound = (message = 'Cette page n’existe pas.') => new AppError(404, 'not_found', message);
export const forbidden = (message = 'Vous n’avez pas accès à cette page.', code = 'forbidden') =>
  new AppError(403, code, message);
export const serviceUnavailable = (detail?: string) =>
  new AppError(
    503,
    'service_unavailable',
    'Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.',
    detail,
  );

/** The HTTP status of each kind of domain error. */
const STATUS_OF_KIND: Record<ErrorKind, number> = {
  not_found: 404,
  refused: 400,
  invalid: 400,
  conflict: 409,
  unavailable: 503,
};

/** The title of an error page or problem+json body, by status. */
const TITLES: Record<number, string> = {
  400: 'Requête invalide',
  401: 'Authentification requise',
  403: 'Accès refusé',
  // Not « Page introuvable »: the 404 of an account or a class, on the page as on the API.
  404: 'Introuvable',
  405: 'Méthode non autorisée',
  409: 'Conflit',
  413: 'Requête trop volumineuse',
  415: 'Format non pris en charge',
  422: 'Données invalides',
  429: 'Trop de tentatives',
  500: 'Erreur interne',
  503: 'Service indisponible',
};

export const titleOf = (status: number): string => TITLES[status] ?? 'Erreur';

/** Errors from the database driver that mean "the database is not reachable right now". */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; fatal?: boolean; driverError?: { code?: string; fatal?: boolean } };
  const code = e.code ?? e.driverError?.code;
  // mysql2 marks errors that ended the connection as fatal; some carry no code (« Can't add
  // new command when connection is in closed state », on a connection the link cut).
  if (e.fatal === true || e.driverError?.fatal === true) return true;
  return [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'PROTOCOL_CONNECTION_LOST',
    'EPIPE',
    'SQLITE_BUSY',
    'ER_CON_COUNT_ERROR',
    'POOL_CLOSED',
  ].includes(code ?? '');
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
  ctx.body = {
    error: 'temporarily_unavailable',
    error_description: 'The service is temporarily unavailable; retry in a few seconds.',
  };
}

/** Any error in HTTP terms: the one mapper, for pages, problem+json and the CLI. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof DomainError)
    return new AppError(STATUS_OF_KIND[err.kind], err.code, err.publicMessage, err.detail, err.errors);
  if (isDatabaseUnavailable(err)) return serviceUnavailable((err as Error).message);
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string };
  const status = e.status ?? e.statusCode;
  if (status && status >= 400 && status < 500) {
    // koa / body parser errors (413 too large, 415, 400 invalid JSON …)
    return new AppError(status, 'invalid_request', TITLES[status] ?? TITLES[400]!, e.message);
  }
  return new AppError(500, 'server_error', 'Une erreur inattendue est survenue. Veuillez réessayer.', e.message);
}

export function wantsJson(ctx: Context): boolean {
  return ctx.path.includes('/api/') || (ctx.accepts(['html', 'json']) === 'json' && !ctx.accepts('html'));
}

export interface ProblemBody {
  type: 'about:blank';
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: readonly DetailedError[];
}

/** The RFC 9457 problem+json body of an error; invalid fields or lines are listed in `errors`. */
export function problemBody(error: AppError): ProblemBody {
  return {
    type: 'about:blank',
    title: titleOf(error.status),
    status: error.status,
    code: error.code,
    detail: error.publicMessage,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

/**
 * Maps a failed request's error, logs it as `<what> failed` (a bug, with its stack) or
 * `<what> refused` (its code and private detail), and sets the status.
 */
export function settleError(ctx: Context, err: unknown, logger: Logger, what = 'request'): AppError {
  const error = toAppError(err);
  if (error.status >= 500) logger.error({ err, ...requestLogFields(ctx) }, `${what} failed`);
  else logger.info({ code: error.code, detail: error.detail, ...requestLogFields(ctx) }, `${what} refused`);
  ctx.status = error.status;
  if (error.status === 503) ctx.set('Retry-After', '5');
  return error;
}

export function sendProblem(ctx: Context, error: AppError): void {
  ctx.status = error.status;
  ctx.type = 'application/problem+json';
  ctx.body = problemBody(error);
}

export function errorHandler(logger: Logger) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      // Nothing answered (an unknown path): our French 404 page, not Koa's English « Not Found ».
      if (ctx.status === 404 && ctx.body == null) throw notFound();
    } catch (err) {
      const error = settleError(ctx, err, logger);
      if (wantsJson(ctx)) return sendProblem(ctx, error);
      await renderErrorPage(ctx, error.status, titleOf(error.status), error.publicMessage);
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
