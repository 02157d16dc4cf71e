// POST /v1/password-resets — « RÉINITIALISER LE MOT DE PASSE ».
import type Router from '@koa/router';
import type { Domain } from '../../../domain/index.js';
import { actorOf, jsonBody, validate } from '../http.js';
import { routerPath } from '../registry.js';
import { TargetsBody } from '../schema.js';
import { createPasswordResets } from './schema.js';

export function passwordResetRoutes(router: Router, domain: Domain): void {
  router.post(routerPath(createPasswordResets), async (ctx) => {
    const actor = actorOf(ctx);
    const { accountIds, classId } = validate(TargetsBody, jsonBody(ctx));
    const items = await domain.admin.sendPasswordResets(actor, accountIds, { ip: ctx.ip, classId });
    ctx.body = { items };
  });
}
