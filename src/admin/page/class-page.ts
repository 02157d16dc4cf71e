// GET pages: the class picker, the class page (one tab, searchable; `?partiel=1` answers the
// table rows alone for the live search) and the codes screen after a generation.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AdminDeps } from '../index.js';
import { AdminNotFound, canAct } from '../../domain/admin/index.js';
import { requireTeacher, type Teacher } from './auth.js';
import { DETAIL_COLUMNS, frDateTime, presentRow, TABS, tabOf } from './present.js';
import { classQuery, codesQuery } from './schema.js';
import { SHEETS_PER_PAGE } from '../api/connectionSheets/schema.js';
import { adminServices } from './services.js';
import { sessionOf, takeFlash } from './session.js';

const PAGE_SIZE = 50;

export const classHref = (classId: string, params: Record<string, string | number | undefined> = {}): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== '' && !(k === 'onglet' && v === 'eleves')) search.set(k, String(v));
  const qs = search.toString();
  return `/admin/classes/${encodeURIComponent(classId)}${qs ? `?${qs}` : ''}`;
};

/** Renders an admin template with what every admin page shows (teacher, CSRF token). */
export async function renderPage(
  ctx: Context,
  template: string,
  teacher: Teacher | null,
  vars: Record<string, unknown>,
): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  await ctx.render(`admin/${template}`, { ...vars, teacher, csrf: sessionOf(ctx).csrfToken });
}

export function classPageRoutes(router: Router, deps: AdminDeps): void {
  router.get('/', async (ctx) => {
    const teacher = await requireTeacher(ctx, deps);
    if (!teacher) return;
    const classes = await adminServices(deps.domain).classesOf(teacher.actor);
    const wanted = typeof ctx.query.classe === 'string' ? classes.find((c) => c.id === ctx.query.classe) : undefined;
    if (wanted || classes.length === 1) return ctx.redirect(classHref((wanted ?? classes[0]!).id));
    await renderPage(ctx, 'classes', teacher, {
      title: 'Paramétrage de la classe',
      classes: classes.map((c) => ({ ...c, href: classHref(c.id) })),
    });
  });

  router.get('/classes/:classId', async (ctx) => {
    const teacher = await requireTeacher(ctx, deps);
    if (!teacher) return;
    const admin = adminServices(deps.domain);
    const classId = ctx.params.classId!;
    const query = classQuery.parse(ctx.query);
    const tab = tabOf(query.onglet);
    const access = await admin.policies.requireClass(teacher.actor, classId, 'view');
    const mayAct = canAct(teacher.actor, access.place, tab.profile);
    const list = await admin.listAccounts(teacher.actor, classId, {
      profile: tab.profile,
      q: query.q || undefined,
      sort: 'name',
      page: query.page ?? 1,
      pageSize: PAGE_SIZE,
    });
    // Badge sign-in (issue 21) concerns the pupils of a class the teacher acts on.
    const badgeTab = tab.profile === 'Student' && mayAct;
    const withBadge = badgeTab && access.cls.badgeSignIn ? await deps.domain.badges.withBadge(classId) : null;
    // ÉduConnect (issue 19): the teacher sees which pupils and parents are linked, and may unlink.
    const educonnect = !!deps.config.educonnect && mayAct;
    const rows = list.items.map((r) => ({
      ...presentRow(r, mayAct, tab),
      hasBadge: withBadge?.has(r.id) ?? false,
      hasEduconnect: educonnect && r.educonnect,
    }));
    const selected = query.tout ? rows.filter((r) => r.canAct).map((r) => r.id) : [];
    // The rows say whether the terms of use were accepted once a version is published.
    const termsInForce = Boolean(await deps.domain.terms.inForce());
    if (query.partiel) {
      ctx.set('X-Total-Count', String(list.total));
      return renderPage(ctx, '_rows', teacher, { rows, selected, q: query.q, termsInForce });
    }
    const classes = await admin.classesOf(teacher.actor);
    const pageCount = Math.ceil(list.total / PAGE_SIZE);
    await renderPage(ctx, 'classe', teacher, {
      title: `Paramétrage de la classe · ${access.cls.name}`,
      cls: {
        id: access.cls.id,
        name: access.cls.name,
        schoolYear: access.cls.schoolYear,
        structureName: access.structure.name,
        canAct: access.canAct,
      },
      classes,
      tabs: TABS.map((t) => ({ ...t, href: classHref(classId, { onglet: t.key }), current: t.key === tab.key })),
      tab: { ...tab, canAct: mayAct, detailLabel: DETAIL_COLUMNS[tab.detail] },
      q: query.q,
      rows,
      selected,
      termsInForce,
      total: list.total,
      pages: Array.from({ length: pageCount }, (_, i) => ({
        number: i + 1,
        href: classHref(classId, { onglet: tab.key, q: query.q, page: i + 1 }),
        current: i + 1 === list.page,
      })),
      flash: takeFlash(ctx),
      baseHref: classHref(classId),
      fragmentHref: classHref(classId, { onglet: tab.key, partiel: 1 }),
      actionHref: `${classHref(classId)}/actions`,
      sheetsPerPage: SHEETS_PER_PAGE,
      educonnect,
      badges: badgeTab ? { enabled: access.cls.badgeSignIn, href: `${classHref(classId)}/badges` } : null,
      selectAllHref: classHref(classId, { onglet: tab.key, q: query.q, page: query.page, tout: 1 }),
    });
  });

  // The codes just generated (or handed back): re-read through the same policies, so this
  // page shows nothing a reload by someone else could not see anyway.
  router.get('/classes/:classId/codes', async (ctx) => {
    const teacher = await requireTeacher(ctx, deps);
    if (!teacher) return;
    const admin = adminServices(deps.domain);
    const classId = ctx.params.classId!;
    const { ids, onglet, q } = codesQuery.parse(ctx.query);
    // « Retour à la classe » goes back to the tab and search the codes were generated from.
    const backHref = classHref(classId, { onglet: tabOf(onglet).key, q: q || undefined });
    if (!ids.length) return ctx.redirect(backHref);
    const access = await admin.policies.requireClass(teacher.actor, classId, 'act');
    const sheets = await admin.connectionSheets(teacher.actor, ids, { classId });
    if (!sheets.length) throw new AdminNotFound('no connection sheet for these ids');
    await renderPage(ctx, 'codes', teacher, {
      title: 'Codes de renouvellement',
      cls: { id: access.cls.id, name: access.cls.name, structureName: access.structure.name },
      rows: sheets.map((s) => ({
        accountId: s.accountId,
        displayName: s.displayName,
        login: s.login,
        code: s.code,
        kind: s.kind,
        expiresAt: s.codeExpiresAt && s.kind === 'renewal' ? frDateTime(s.codeExpiresAt) : null,
      })),
      entAddress: sheets[0]!.entAddress || access.structure.entAddress,
      flash: takeFlash(ctx),
      backHref,
      onglet: tabOf(onglet).key,
      q,
      sheetsHref: `${classHref(classId)}/actions`,
    });
  });
}
