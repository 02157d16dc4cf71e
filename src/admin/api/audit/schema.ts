import { z } from 'zod';
import { operation } from '../registry.js';
import { DateTime, intParam, Person, Uuid } from '../schema.js';
import { ClassParams } from '../classes/schema.js';

export const AuditQuery = z.object({
  before: z.iso.datetime({ offset: true }).optional().meta({ description: 'Événements strictement plus anciens que cette date (page suivante : `nextBefore`)' }),
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
  detail: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Contexte non secret (jamais un code ni un mot de passe)' }),
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
      schema: z.object({ items: z.array(AuditEntry), nextBefore: DateTime.nullable().meta({ description: 'À passer en `before` pour la page suivante ; null à la fin' }) }),
    },
  },
});
