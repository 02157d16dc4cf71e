// POST /v1/renewal-codes — « GÉNÉRER UN CODE DE RENOUVELLEMENT ».
import type Router from '@koa/router';
import type { Domain } from '../../../domain/index.js';
import { actorOf, iso, jsonBody, validate } from '../http.js';
import { routerPath } from '../registry.js';
import { TargetsBody } from '../schema.js';
import { createRenewalCodes } from './schema.js';

export function renewalCodeRoutes(router: Router, domain: Domain): void {
  router.post(routerPath(createRenewalCodes), async (ctx) => {
    const actor = actorOf(ctx);
    const { accountIds, classId } = validate(TargetsBody, jsonBody(ctx));
    const issued = await domain.admin.generateRenewalCodes(actor, accountIds, { ip: ctx.ip, classId });
    ctx.body = { items: issued.map((c) => ({ ...c, expiresAt: iso(c.expiresAt)! })) };
  });
}
