import { z } from 'zod';
import { operation } from '../registry.js';
import { CodeKind, DateTime, TargetsBody, Uuid } from '../schema.js';

export const IssuedCode = z.object({
  accountId: Uuid,
  displayName: z.string(),
  login: z.string(),
  kind: CodeKind.meta({
    description: '`renewal` (Code de renouvellement) ou `activation` pour un compte jamais activé (Code d’activation)',
  }),
  code: z.string(),
  expiresAt: DateTime,
  generated: z.boolean().meta({ description: 'Faux quand le code d’activation encore valable est rendu tel quel' }),
});

export const createRenewalCodes = operation({
  method: 'post',
  path: '/v1/renewal-codes',
  operationId: 'createRenewalCodes',
  summary: 'Générer un code de renouvellement (ou rendre le code d’activation)',
  description:
    'Une seule transaction pour tous les comptes. Un nouveau code rend le précédent invalide. Tout ou rien (404).',
  tags: ['Comptes'],
  body: TargetsBody,
  responses: {
    200: { description: 'Les codes, dans l’ordre demandé', schema: z.object({ items: z.array(IssuedCode) }) },
  },
});
