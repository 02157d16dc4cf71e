// Schemas shared by several routes; each route folder has its own schema.ts too. The
// OpenAPI document is generated from these same zod schemas (openapi.ts).
import { z } from 'zod';
import { MAX_TARGETS } from '../../domain/admin/index.js';

export const Uuid = z.uuid().meta({ description: 'Identifiant (uuid) d’un compte ou d’une classe' });
export const Profile = z.enum(['Student', 'Relative', 'Teacher', 'Personnel']);
export const AccountState = z.enum(['activated', 'activation_code', 'renewal_code', 'blocked']).meta({
  description:
    '`activated` (Activé), `activation_code` (jamais connecté : code d’activation lisible), `renewal_code` (Code temporaire), `blocked` (Bloqué)',
});
export const CodeKind = z.enum(['activation', 'renewal']);
export const DateTime = z.iso.datetime();
export const CalendarDate = z.iso.date();

/** `{ accountIds: [...] }`: 1 to 500 distinct account ids. */
export const AccountIds = z.array(Uuid).min(1).max(MAX_TARGETS);
export const TargetsBody = z.object({
  accountIds: AccountIds,
  classId: Uuid.optional().meta({ description: 'Classe depuis laquelle l’action est faite (journal)' }),
});
export type TargetsBody = z.output<typeof TargetsBody>;

/** An integer in the query string (input: digits; output: number). */
export const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string().meta({ description: 'Message en français, affichable' }),
  errors: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .meta({ description: 'Champs invalides (400)' }),
});

export const Person = z.object({ id: Uuid, displayName: z.string() });
