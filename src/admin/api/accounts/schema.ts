import { z } from 'zod';
import { operation } from '../registry.js';
import { TargetsBody, Uuid } from '../schema.js';

export const BlockResult = z.object({
  accountId: Uuid,
  displayName: z.string(),
  changed: z.boolean().meta({ description: 'Faux si le compte était déjà dans cet état' }),
});
export const BlockResults = z.object({ items: z.array(BlockResult) });

export const blockAccounts = operation({
  method: 'post',
  path: '/v1/accounts/block',
  operationId: 'blockAccounts',
  summary: 'Bloquer des comptes (fin immédiate des sessions et jetons)',
  description: 'Tout ou rien : si un seul compte est inconnu ou hors de portée, rien n’est fait (404).',
  tags: ['Comptes'],
  body: TargetsBody,
  responses: { 200: { description: 'Comptes bloqués', schema: BlockResults } },
});

export const unblockAccounts = operation({
  method: 'post',
  path: '/v1/accounts/unblock',
  operationId: 'unblockAccounts',
  summary: 'Débloquer des comptes',
  tags: ['Comptes'],
  body: TargetsBody,
  responses: { 200: { description: 'Comptes débloqués', schema: BlockResults } },
});
