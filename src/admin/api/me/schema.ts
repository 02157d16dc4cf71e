import { z } from 'zod';
import { operation } from '../registry.js';
import { Profile, Uuid } from '../schema.js';

export const Me = z.object({
  id: Uuid,
  login: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  displayName: z.string(),
  profile: Profile,
  email: z.string().nullable(),
  roles: z.object({
    classAdminOf: z.array(Uuid).meta({ description: 'Classes où le compte a le rôle class-admin' }),
    schoolAdminOf: z.array(Uuid).meta({ description: 'Établissements où le compte a le rôle school-admin' }),
  }),
});

export const getMe = operation({
  method: 'get',
  path: '/v1/me',
  operationId: 'getMe',
  summary: 'Le compte connecté et ses rôles',
  tags: ['Compte'],
  responses: { 200: { description: 'Le compte connecté', schema: Me } },
});
