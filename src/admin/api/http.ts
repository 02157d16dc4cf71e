// What every admin API route shares: request validation with zod (400 listing the fields,
// in French), the actor of the request, domain errors mapped to HTTP, and the problem+json
// renderer (so the API answers the same alone or mounted in ent-idp).
import type { Context, Middleware, Next } from 'koa';
import { z } from 'zod';
import { AppError, toAppError } from '../../http/errors.js';
import { requestLogFields } from '../../http/request-id.js';
import type { Logger } from '../../logger.js';
import { AdminNotFound, AdminRefused, type Actor } from '../../domain/admin/index.js';

export interface FieldError {
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(readonly errors: FieldError[]) {
    super(400, 'invalid_request', `Paramètres invalides : ${errors.map((e) => `${e.field} (${e.message})`).join(', ')}.`);
  }
}

/** French messages for zod issues, without touching zod's global configuration. */
function frenchIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': return issue.input === undefined ? 'obligatoire' : 'type invalide';
    case 'invalid_format': return issue.format === 'uuid' || issue.format === 'guid' ? 'identifiant invalide' : 'format invalide';
    case 'invalid_value': return `valeur non autorisée (${issue.values.map(String).join(', ')})`;
    case 'too_big': return issue.origin === 'array' ? `au plus ${String(issue.maximum)} éléments` : issue.origin === 'string' ? `au plus ${String(issue.maximum)} caractères` : `au plus ${String(issue.maximum)}`;
    case 'too_small': return issue.origin === 'array' ? `au moins ${String(issue.minimum)} élément(s)` : issue.origin === 'string' ? `au moins ${String(issue.minimum)} caractère(s)` : `au moins ${String(issue.minimum)}`;
    case 'unrecognized_keys': return `champ(s) inconnu(s) : ${issue.keys.join(', ')}`;
    case 'not_multiple_of': return 'nombre entier attendu';
    default: return 'valeur invalide';
  }
}

/** Parses `input` with `schema` or throws a 400 naming every invalid field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({ field: issue.path.map(String).join('.') || '(corps)', message: frenchIssue(issue) }));
  throw new ValidationError(errors.slice(0, 20));
}

/** JSON request bodies only (415 otherwise), parsed by the body parser. */
export function jsonBody(ctx: Context): unknown {
  if (!ctx.is('application/json')) throw new AppError(415, 'unsupported_media_type', 'Le corps de la requête doit être du JSON (Content-Type: application/json).');
  return (ctx.request as unknown as { body?: unknown }).body;
}

export interface ApiState {
  actor: Actor;
  /** How the request authenticated. */
  via: 'bearer' | 'cookie';
}

export const actorOf = (ctx: Context): Actor => {
  const actor = (ctx.state as Partial<ApiState>).actor;
  if (!actor) throw new AppError(401, 'invalid_token', 'Authentification requise.');
  return actor;
};

export const NOT_FOUND_MESSAGE = 'Ce compte ou cette classe est introuvable, ou vous n’y avez pas accès.';

function toApiError(err: unknown): AppError {
  if (err instanceof AdminNotFound) return new AppError(404, 'not_found', NOT_FOUND_MESSAGE, err.message);
  if (err instanceof AdminRefused) return new AppError(400, err.code, err.publicMessage);
  return toAppError(err);
}

const TITLES: Record<number, string> = {
  400: 'Requête invalide', 401: 'Authentification requise', 403: 'Accès refusé', 404: 'Introuvable', 405: 'Méthode non autorisée',
  413: 'Requête trop volumineuse', 415: 'Format non pris en charge', 500: 'Erreur interne', 503: 'Service indisponible',
};

/** RFC 9457 problem+json for every API error; validation errors list their fields in `errors`. */
export function problems(logger: Logger): Middleware {
  return async function apiProblems(ctx: Context, next: Next) {
    try {
      await next();
    } catch (err) {
      const error = toApiError(err);
      if (error.status >= 500) logger.error({ err, ...requestLogFields(ctx) }, 'admin API request failed');
      else logger.info({ code: error.code, detail: error.detail, ...requestLogFields(ctx) }, 'admin API request refused');
      ctx.status = error.status;
      if (error.status === 503) ctx.set('Retry-After', '5');
      ctx.type = 'application/problem+json';
      ctx.body = {
        type: 'about:blank',
        title: TITLES[error.status] ?? 'Erreur',
        status: error.status,
        code: error.code,
        detail: error.publicMessage,
        ...(error instanceof ValidationError ? { errors: error.errors } : {}),
      };
    }
  };
}

/** Dates as ISO strings (presenters). */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
