// GET /v1/classes/{classId}/audit — the class's audit trail (class admins and school admins).
import type Router from '@koa/router';
import type { Domain } from '../../../domain/index.js';
import { actorOf, iso, validate } from '../http.js';
import { routerPath } from '../registry.js';
import { ClassParams } from '../classes/schema.js';
import { AuditQuery, encodeCursor, getAudit } from './schema.js';

export function auditRoutes(router: Router, domain: Domain): void {
  router.get(routerPath(getAudit), async (ctx) => {
    const actor = actorOf(ctx);
    const { classId } = validate(ClassParams, ctx.params);
    const query = validate(AuditQuery, ctx.query);
    const limit = query.limit ?? 50;
    const entries = await domain.admin.auditTrail(actor, classId, {
      limit,
      before: query.before ? new Date(query.before) : undefined,
      after: query.cursor ? { createdAt: new Date(query.cursor.at), id: query.cursor.id } : undefined,
    });
    const last = entries.length === limit ? entries[entries.length - 1]! : null;
    ctx.body = {
      items: entries.map((e) => ({ ...e, at: iso(e.at)! })),
      nextCursor: last ? encodeCursor(last.at, last.id) : null,
    };
  });
}
