// POST /v1/accounts/block and /v1/accounts/unblock.
import type Router from '@koa/router';
import type { Domain } from '../../../domain/index.js';
import { actorOf, jsonBody, validate } from '../http.js';
import { routerPath } from '../registry.js';
import { TargetsBody } from '../schema.js';
import { blockAccounts, unblockAccounts } from './schema.js';

export function accountRoutes(router: Router, domain: Domain): void {
  router.post(routerPath(blockAccounts), async (ctx) => {
    const actor = actorOf(ctx);
    const { accountIds, classId } = validate(TargetsBody, jsonBody(ctx));
    // The command authorizes every target before writing (all or nothing, 404 otherwise).
    const items = await domain.admin.blockAccounts(actor, accountIds, { ip: ctx.ip, classId });
    ctx.body = { items };
  });

  router.post(routerPath(unblockAccounts), async (ctx) => {
    const actor = actorOf(ctx);
    const { accountIds, classId } = validate(TargetsBody, jsonBody(ctx));
    const items = await domain.admin.unblockAccounts(actor, accountIds, { ip: ctx.ip, classId });
    ctx.body = { items };
  });
}
