import { z } from 'zod';
import { operation } from '../registry.js';
import { AccountIds, Uuid } from '../schema.js';

export const SheetsBody = z.object({
  accountIds: AccountIds,
  format: z.enum(['pdf', 'csv']).default('pdf'),
  classId: Uuid.optional().meta({ description: 'Classe affichée sur les fiches quand le compte en a plusieurs' }),
});

export const CSV_COLUMNS = [
  'Nom',
  'Prénom',
  'Date de naissance',
  'Identifiant',
  'Code',
  'Type de code',
  "Adresse de l'ENT",
] as const;

export const createConnectionSheets = operation({
  method: 'post',
  path: '/v1/connection-sheets',
  operationId: 'createConnectionSheets',
  summary: 'FICHES DE CONNEXIONS : PDF (une page par compte) ou CSV',
  description:
    'Ne génère aucun code : chaque fiche porte le code en cours (activation ou temporaire), ou indique qu’il n’y en a pas. ' +
    `CSV : UTF-8 avec BOM, séparateur « ; », en-tête ${CSV_COLUMNS.join(';')}. Tout ou rien (404).`,
  tags: ['Comptes'],
  body: SheetsBody,
  responses: {
    200: {
      description: 'Le document',
      media: {
        'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } },
        'text/csv': { schema: { type: 'string', contentMediaType: 'text/csv' } },
      },
      headers: {
        'Content-Disposition': {
          description: 'attachment; filename="fiches-de-connexion.pdf|csv"',
          schema: { type: 'string' },
        },
      },
    },
  },
});
