import { z } from 'zod';
import { operation } from '../registry.js';
import { DateTime, intParam, Person, Uuid } from '../schema.js';
import { ClassParams } from '../classes/schema.js';

/** Where the previous page ended: its last entry's time and id, as base64url JSON (opaque to callers). */
export const encodeCursor = (at: Date, id: string): string =>
  Buffer.from(JSON.stringify({ at: at.toISOString(), id })).toString('base64url');

const Cursor = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    try {
      return JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'curseur invalide' });
      return z.NEVER;
    }
  })
  .pipe(z.object({ at: z.iso.datetime(), id: Uuid }));

export const AuditQuery = z.object({
  cursor: Cursor.optional().meta({ description: 'Page suivante : la valeur `nextCursor` de la page précédente' }),
  before: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'Commencer aux événements strictement plus anciens que cette date' }),
  limit: intParam(1, 200).optional(),
});

export const AuditEntry = z.object({
  id: Uuid,
  at: DateTime,
  action: z.string().meta({ description: 'ex. code.generate, account.block, password.reset_request, login.password' }),
  outcome: z.string(),
  actor: Person.nullable(),
  target: Person.nullable(),
  ip: z.string().nullable(),
  detail: z
    .record(z.string(), z.unknown())
    .nullable()
    .meta({ description: 'Contexte non secret (jamais un code ni un mot de passe)' }),
});

export const getAudit = operation({
  method: 'get',
  path: '/v1/classes/{classId}/audit',
  operationId: 'getClassAudit',
  summary: 'Journal de la classe (du plus récent au plus ancien)',
  tags: ['Classes'],
  params: ClassParams,
  query: AuditQuery,
  responses: {
    200: {
      description: 'Événements',
      schema: z.object({
        items: z.array(AuditEntry),
        nextCursor: z
          .string()
          .nullable()
          .meta({ description: 'À passer en `cursor` pour la page suivante ; null à la fin' }),
      }),
    },
  },
});
