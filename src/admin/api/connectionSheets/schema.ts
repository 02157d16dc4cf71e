import { z } from 'zod';
import { operation } from '../registry.js';
import { AccountIds, Uuid } from '../schema.js';

/** How many sheets an A4 page holds: one with the steps in full, or 4 / 8 to cut out for a class. */
export const SHEETS_PER_PAGE = [1, 4, 8] as const;
export type SheetsPerPage = (typeof SHEETS_PER_PAGE)[number];
export const SheetsPerPageSchema = z.literal(SHEETS_PER_PAGE);
const PerPage = SheetsPerPageSchema.default(1).meta({
  description: 'PDF : fiches par page A4 (1 avec les étapes en entier, 4 ou 8 à découper)',
});

export const SheetsBody = z.object({
  accountIds: AccountIds,
  format: z.enum(['pdf', 'csv']).default('pdf'),
  perPage: PerPage,
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
  summary: 'FICHES DE CONNEXIONS : PDF (1, 4 ou 8 fiches par page) ou CSV',
  description:
    'Ne génère aucun code : chaque fiche porte le code en cours (activation ou temporaire), ou indique qu’il n’y en a pas, ' +
    'et un code QR qui ouvre CONNEXION avec l’identifiant déjà saisi (<ISSUER>/connexion?identifiant=…). ' +
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
