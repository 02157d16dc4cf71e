// What every admin API route shares: request validation with zod (400 listing the fields,
// in French), the actor of the request, and problem+json for every error (so the API answers
// the same alone or mounted in ent-idp; the mapping and the body are src/http/errors.ts's).
import type { Context, Middleware, Next } from 'koa';
import { z } from 'zod';
import { AppError, sendProblem, settleError } from '../../http/errors.js';
import type { Logger } from '../../logger.js';
import type { Actor } from '../../domain/admin/index.js';
import type { FieldError } from '../../domain/errors.js';

export class ValidationError extends AppError {
  declare readonly errors: readonly FieldError[];
  constructor(errors: FieldError[]) {
    super(
      400,
      'invalid_request',
      `Paramètres invalides : ${errors.map((e) => `${e.field} (${e.message})`).join(', ')}.`,
      undefined,
      errors,
    );
  }
}

/** French messages for zod issues, without touching zod's global configuration. */
function frenchIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'obligatoire' : 'type invalide';
    case 'invalid_format':
      return issue.format === 'uuid' || issue.format === 'guid' ? 'identifiant invalide' : 'format invalide';
    case 'invalid_value':
      return `valeur non autorisée (${issue.values.map(String).join(', ')})`;
    case 'too_big':
      return issue.origin === 'array'
        ? `au plus ${String(issue.maximum)} éléments`
        : issue.origin === 'string'
          ? `au plus ${String(issue.maximum)} caractères`
          : `au plus ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `au moins ${String(issue.minimum)} élément(s)`
        : issue.origin === 'string'
          ? `au moins ${String(issue.minimum)} caractère(s)`
          : `au moins ${String(issue.minimum)}`;
    case 'unrecognized_keys':
      return `champ(s) inconnu(s) : ${issue.keys.join(', ')}`;
    case 'not_multiple_of':
      return 'nombre entier attendu';
    default:
      return 'valeur invalide';
  }
}

/** Parses `input` with `schema` or throws a 400 naming every invalid field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(corps)',
    message: frenchIssue(issue),
  }));
  throw new ValidationError(errors.slice(0, 20));
}

/** JSON request bodies only (415 otherwise), parsed by the body parser. */
export function jsonBody(ctx: Context): unknown {
  if (!ctx.is('application/json'))
    throw new AppError(
      415,
      'unsupported_media_type',
      'Le corps de la requête doit être du JSON (Content-Type: application/json).',
    );
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

/**
 * RFC 9457 problem+json for every API error, whatever the client accepts; validation errors
 * list their fields in `errors`.
 */
export function problems(logger: Logger): Middleware {
  return async function apiProblems(ctx: Context, next: Next) {
    try {
      await next();
    } catch (err) {
      sendProblem(ctx, settleError(ctx, err, logger, 'admin API request'));
    }
  };
}

/** Dates as ISO strings (presenters). */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
