// GET /v1/me — who the token (or the page's session) speaks for.
import type Router from '@koa/router';
import type { z } from 'zod';
import { actorOf } from '../http.js';
import { routerPath } from '../registry.js';
import { displayName } from '../../../domain/admin/index.js';
import { getMe, type Me } from './schema.js';

export function meRoutes(router: Router): void {
  router.get(routerPath(getMe), (ctx) => {
    const actor = actorOf(ctx); // authenticated upstream
    const { account } = actor;
    const body: z.input<typeof Me> = {
      id: account.id,
      login: account.login,
      firstName: account.firstName,
      lastName: account.lastName,
      displayName: displayName(account),
      profile: account.profile,
      email: account.email,
      roles: { classAdminOf: [...actor.classAdminOf].sort(), schoolAdminOf: [...actor.schoolAdminOf].sort() },
    };
    ctx.body = body;
  });
}
