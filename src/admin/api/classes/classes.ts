// GET /v1/classes and GET /v1/classes/{classId}/accounts.
import type Router from '@koa/router';
import type { z } from 'zod';
import type { Domain } from '../../../domain/index.js';
import type { AccountRow as Row, ClassSummary as Summary } from '../../../domain/admin/index.js';
import { actorOf, iso, validate } from '../http.js';
import { routerPath } from '../registry.js';
import { AccountsQuery, ClassParams, listAccounts, listClasses, type AccountRow, type ClassSummary } from './schema.js';

const presentClass = (c: Summary): z.input<typeof ClassSummary> => ({ ...c });

function presentAccount(row: Row): z.input<typeof AccountRow> {
  return {
    id: row.id,
    firstName: row.firstName,
    lastName: row.lastName,
    displayName: row.displayName,
    birthDate: row.birthDate,
    login: row.login,
    profile: row.profile,
    state: row.state,
    ...(row.code !== undefined ? { code: row.code, codeExpiresAt: iso(row.codeExpiresAt)! } : {}),
    lastLoginAt: iso(row.lastLoginAt),
    termsAccepted: row.termsAccepted
      ? { version: row.termsAccepted.version, acceptedAt: iso(row.termsAccepted.acceptedAt)! }
      : null,
    educonnect: row.educonnect,
    ...(row.children ? { children: row.children } : {}),
  };
}

export function classRoutes(router: Router, domain: Domain): void {
  router.get(routerPath(listClasses), async (ctx) => {
    const actor = actorOf(ctx);
    const classes = await domain.admin.classesOf(actor);
    ctx.body = { items: classes.map(presentClass) };
  });

  router.get(routerPath(listAccounts), async (ctx) => {
    const actor = actorOf(ctx);
    const { classId } = validate(ClassParams, ctx.params);
    const query = validate(AccountsQuery, ctx.query);
    // Authorization (class visible to the actor, codes only where they may act) is the query's first step.
    const page = await domain.admin.listAccounts(actor, classId, query);
    ctx.body = { ...page, items: page.items.map(presentAccount) };
  });
}
