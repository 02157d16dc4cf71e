import { z } from 'zod';
import { MAX_PAGE_SIZE } from '../../../domain/admin/index.js';
import { operation } from '../registry.js';
import { AccountState, CalendarDate, DateTime, intParam, Person, Profile, Uuid } from '../schema.js';

export const ClassSummary = z.object({
  id: Uuid,
  name: z.string(),
  schoolYear: z.string(),
  structureId: Uuid,
  structureName: z.string(),
  canAct: z
    .boolean()
    .meta({ description: 'Vrai si le compte peut agir (codes, blocage…) sur les élèves et parents de la classe' }),
});

export const ClassParams = z.object({ classId: Uuid });

export const AccountsQuery = z.object({
  profile: Profile.default('Student').meta({
    description: 'Onglet : ÉLÈVES (Student), PARENTS (Relative), ENSEIGNANTS (Teacher), PERSONNELS (Personnel)',
  }),
  q: z.string().max(100).optional().meta({
    description: 'Recherche par nom ou prénom (début du mot, sans accents ni casse ; « prénom nom » ou « nom prénom »)',
  }),
  sort: z.enum(['name', 'birthDate', 'login']).default('name'),
  order: z.enum(['asc', 'desc']).default('asc'),
  page: intParam(1, 100_000).optional(),
  pageSize: intParam(1, MAX_PAGE_SIZE).optional(),
});

export const AccountRow = z.object({
  id: Uuid,
  firstName: z.string(),
  lastName: z.string(),
  displayName: z.string(),
  birthDate: CalendarDate.nullable(),
  login: z.string(),
  profile: Profile,
  state: AccountState,
  code: z.string().optional().meta({
    description: 'Code lisible (activation ou temporaire), seulement si le compte connecté peut agir sur ce compte',
  }),
  codeExpiresAt: DateTime.optional(),
  lastLoginAt: DateTime.nullable(),
  termsAccepted: z
    .object({ version: z.string(), acceptedAt: DateTime })
    .nullable()
    .meta({ description: 'Dernière version de la charte acceptée par le compte, et quand ; null : aucune' }),
  educonnect: z.boolean().meta({ description: 'Compte relié à un compte ÉduConnect (se connecte avec ÉduConnect)' }),
  children: z.array(Person).optional().meta({ description: 'Parents : leurs enfants dans cette classe' }),
});

export const AccountPage = z.object({
  items: z.array(AccountRow),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

export const listClasses = operation({
  method: 'get',
  path: '/v1/classes',
  operationId: 'listClasses',
  summary: 'Les classes du compte connecté',
  tags: ['Classes'],
  responses: { 200: { description: 'Classes, par nom', schema: z.object({ items: z.array(ClassSummary) }) } },
});

export const listAccounts = operation({
  method: 'get',
  path: '/v1/classes/{classId}/accounts',
  operationId: 'listClassAccounts',
  summary: 'Les comptes d’une classe, par onglet, avec leur état d’activation',
  tags: ['Classes'],
  params: ClassParams,
  query: AccountsQuery,
  responses: { 200: { description: 'Une page de comptes', schema: AccountPage } },
});
