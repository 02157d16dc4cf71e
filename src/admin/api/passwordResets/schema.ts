import { z } from 'zod';
import { operation } from '../registry.js';
import { TargetsBody, Uuid } from '../schema.js';

export const ResetResult = z.object({
  accountId: Uuid,
  displayName: z.string(),
  sent: z.boolean(),
  to: z.string().optional().meta({
    description: 'Adresse masquée (ex. p***@example.fr) : celle du compte, ou la vôtre pour un enfant sans adresse',
  }),
  reason: z.enum(['blocked', 'no_email', 'not_found']).optional(),
});

export const createPasswordResets = operation({
  method: 'post',
  path: '/v1/password-resets',
  operationId: 'createPasswordResets',
  summary: 'Réinitialiser le mot de passe (envoi d’un lien par courriel)',
  description:
    'Le lien part à l’adresse du compte, ou à celle de l’enseignant pour un enfant sans adresse. Personne ne voit le mot de passe. Tout ou rien (404).',
  tags: ['Comptes'],
  body: TargetsBody,
  responses: { 200: { description: 'Un résultat par compte', schema: z.object({ items: z.array(ResetResult) }) } },
});
