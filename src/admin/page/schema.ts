// What the page accepts from query strings and forms (zod), with the request types inferred.
import { z } from 'zod';
import { MAX_TARGETS } from '../../domain/admin/index.js';
import { SheetsPerPageSchema } from '../api/connectionSheets/schema.js';

const text = (max: number) => z.string().max(max).optional().catch(undefined);

export const classQuery = z.object({
  onglet: text(20),
  q: z
    .string()
    .optional()
    .catch(undefined)
    .transform((q) => (q ?? '').trim().slice(0, 100)),
  page: z.coerce.number().int().min(1).max(10_000).optional().catch(undefined),
  tout: text(5),
  partiel: text(5),
});
export type ClassQuery = z.output<typeof classQuery>;

/** `ids` comes once per ticked row: absent, one string, or several. */
const ids = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => [...new Set(v === undefined ? [] : Array.isArray(v) ? v : [v])]);

const ACTIONS = [
  'reinitialiser',
  'renouveler',
  'bloquer',
  'debloquer',
  'fiches',
  'badges',
  'nouveaux-badges',
  'retirer-badges',
  'delier-educonnect',
] as const;
export type Action = (typeof ACTIONS)[number];

export const actionForm = z.object({
  action: z.enum(ACTIONS),
  ids: ids.pipe(z.array(z.string().max(64)).max(MAX_TARGETS)),
  confirme: text(5),
  onglet: text(20),
  q: z.string().max(100).optional().catch(undefined),
  /** FICHES DE CONNEXIONS: sheets per A4 page (1, 4 or 8); anything else is the default. */
  par_page: z.coerce.number().pipe(SheetsPerPageSchema).optional().catch(undefined),
});
export type ActionForm = z.output<typeof actionForm>;

/** « Connexion par badge » of the class: on, off, or every badge of the class revoked. */
export const badgesForm = z.object({
  badges: z.enum(['activer', 'desactiver', 'retirer-tous']),
  onglet: text(20),
  q: z.string().max(100).optional().catch(undefined),
});

export const codesQuery = z.object({
  ids: z
    .string()
    .max(MAX_TARGETS * 37)
    .optional()
    .transform((v) => [...new Set((v ?? '').split(',').filter(Boolean))]),
  onglet: text(20),
  q: text(100),
});
