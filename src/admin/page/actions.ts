// POST /classes/:classId/actions: the toolbar's buttons on the ticked rows, without
// JavaScript. Each calls a domain.admin command with the signed-in teacher as actor (the same
// policies as the API: all targets allowed or nothing happens, unknown looks like
// forbidden). BLOQUER and RÉINITIALISER ask first: a confirmation page here, a <dialog> with
// JavaScript (which then posts `confirme=oui`). The answer is a redirect with a flash message
// (post/redirect/get), the codes screen after a generation, or the PDF of the sheets.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Admin, Actor } from '../../domain/admin/index.js';
import { badRequest } from '../../http/errors.js';
import type { AdminDeps } from '../index.js';
import { requireTeacher, type Teacher } from './auth.js';
import { classHref, renderPage } from './class-page.js';
import { initials, plural, tabOf, tone } from './present.js';
import { actionForm, badgesForm, type ActionForm } from './schema.js';
import { adminServices } from './services.js';
import { connectionSheetsPdf } from './sheets.js';
import { badgesPdf } from './badges-pdf.js';
import { badgeUrl, type Badges } from '../../domain/badges.js';
import type { Educonnect } from '../../domain/educonnect/index.js';
import { connectionEntryUrl } from '../../domain/login/entry-url.js';
import { sessionOf, type Flash } from './session.js';

const CONFIRM = {
  bloquer: {
    heading: (n: number) => (n > 1 ? `Bloquer ${n} comptes ?` : 'Bloquer ce compte ?'),
    explanation:
      'Un compte bloqué ne peut plus se connecter à l’ENT, ni avec son mot de passe ni avec un code, et ses connexions en cours sont fermées. Vous pourrez le débloquer à tout moment.',
    label: 'BLOQUER',
  },
  reinitialiser: {
    heading: (n: number) =>
      n > 1 ? `Réinitialiser le mot de passe de ${n} comptes ?` : 'Réinitialiser le mot de passe ?',
    explanation:
      'Un lien pour choisir un nouveau mot de passe sera envoyé par e-mail à chaque compte (à vous pour un élève sans adresse). L’ancien mot de passe reste valable tant que le nouveau n’est pas choisi.',
    label: 'RÉINITIALISER LE MOT DE PASSE',
  },
} as const;

function back(ctx: Context, classId: string, form: Pick<ActionForm, 'onglet' | 'q'>, flash?: Flash): void {
  if (flash) sessionOf(ctx).flash = flash;
  ctx.status = 303;
  ctx.redirect(classHref(classId, { onglet: tabOf(form.onglet).key, q: form.q || undefined }));
}

/** « 2 comptes bloqués, 1 compte était déjà bloqué. »: how many changed, how many already were so. */
function stateNotice(
  results: readonly { changed: boolean }[],
  changed: [string, string],
  already: [string, string],
): Flash {
  const done = results.filter((r) => r.changed).length;
  const before = results.length - done;
  const text = [done ? plural(done, ...changed) : '', before ? plural(before, ...already) : '']
    .filter(Boolean)
    .join(', ');
  return { kind: 'notice', text: `${text}.` };
}

/** A PDF download; the script (classe.js) shows `notice` at once, the class page on return without it. */
function sendPdf(ctx: Context, pdf: Buffer, name: string, notice: string): void {
  if (ctx.get('X-Sheets-Request') === 'fetch') ctx.set('X-Notice', encodeURIComponent(notice));
  else sessionOf(ctx).flash = { kind: 'notice', text: notice };
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/pdf';
  ctx.attachment(`${name}-${new Date().toISOString().slice(0, 10)}.pdf`);
  ctx.body = pdf;
}

async function run(
  ctx: Context,
  admin: Admin,
  badges: Badges,
  educonnect: Educonnect,
  teacher: Teacher,
  classId: string,
  form: ActionForm,
  issuer: string,
): Promise<void> {
  const actor: Actor = teacher.actor;
  const context = { ip: ctx.ip || null, classId };
  switch (form.action) {
    case 'renouveler': {
      const issued = await admin.generateRenewalCodes(actor, form.ids, context);
      const renewal = issued.filter((c) => c.kind === 'renewal').length;
      const activation = issued.length - renewal;
      const parts = [
        renewal ? `${plural(renewal, 'code de renouvellement généré', 'codes de renouvellement générés')}` : '',
        activation
          ? `${plural(activation, 'code d’activation rappelé (compte jamais activé)', 'codes d’activation rappelés (comptes jamais activés)')}`
          : '',
      ].filter(Boolean);
      sessionOf(ctx).flash = { kind: 'notice', text: `${parts.join(', ')}.` };
      ctx.status = 303;
      const codes = new URLSearchParams({
        ids: issued.map((c) => c.accountId).join(','),
        onglet: tabOf(form.onglet).key,
      });
      if (form.q) codes.set('q', form.q);
      return ctx.redirect(`${classHref(classId)}/codes?${codes.toString()}`);
    }
    case 'bloquer': {
      const results = await admin.blockAccounts(actor, form.ids, context);
      return back(
        ctx,
        classId,
        form,
        stateNotice(
          results,
          ['compte bloqué', 'comptes bloqués'],
          ['compte était déjà bloqué', 'comptes étaient déjà bloqués'],
        ),
      );
    }
    case 'debloquer': {
      const results = await admin.unblockAccounts(actor, form.ids, context);
      return back(
        ctx,
        classId,
        form,
        stateNotice(
          results,
          ['compte débloqué', 'comptes débloqués'],
          ['compte n’était pas bloqué', 'comptes n’étaient pas bloqués'],
        ),
      );
    }
    case 'reinitialiser': {
      const results = await admin.sendPasswordResets(actor, form.ids, context);
      const sent = results.filter((r) => r.sent);
      const failed = results.filter((r) => !r.sent);
      const lines: string[] = [];
      if (sent.length === 1)
        lines.push(
          `Un lien de réinitialisation a été envoyé${sent[0]!.to ? ` à ${sent[0]!.to}` : ''} pour ${sent[0]!.displayName}.`,
        );
      else if (sent.length > 1) lines.push(`${sent.length} liens de réinitialisation envoyés.`);
      for (const f of failed) {
        lines.push(
          f.reason === 'blocked'
            ? `${f.displayName} : compte bloqué, débloquez-le d’abord.`
            : `${f.displayName} : aucune adresse e-mail, générez plutôt un code de renouvellement.`,
        );
      }
      return back(ctx, classId, form, {
        kind: failed.length && !sent.length ? 'error' : 'notice',
        text: lines.join(' '),
      });
    }
    case 'fiches': {
      const sheets = await admin.connectionSheets(actor, form.ids, { classId });
      const perPage = form.par_page ?? 1;
      const pdf = await connectionSheetsPdf(sheets, {
        perPage,
        entryUrl: (login) => connectionEntryUrl(issuer, login),
      });
      await admin.recordSheetsPrinted(actor, sheets, { ip: ctx.ip, classId, format: 'pdf' });
      // The PDF is a download: the page stays where it is. The script (classe.js) fetches it
      // and shows this message at once; without it the class page shows it on return.
      const notice = `${plural(sheets.length, 'fiche de connexion imprimée', 'fiches de connexion imprimées')}${perPage > 1 ? `, ${perPage} par page` : ''}.`;
      return sendPdf(ctx, pdf, 'fiches-de-connexion', notice);
    }
    case 'badges':
    case 'nouveaux-badges': {
      const renew = form.action === 'nouveaux-badges';
      const printed = await badges.print(actor, classId, form.ids, { renew, ip: context.ip });
      const pdf = await badgesPdf(printed, (secret) => badgeUrl(issuer, secret));
      const notice = renew
        ? `${plural(printed.length, 'nouveau badge imprimé', 'nouveaux badges imprimés')} : les anciens ne marchent plus.`
        : `${plural(printed.length, 'badge imprimé', 'badges imprimés')}.`;
      return sendPdf(ctx, pdf, 'badges', notice);
    }
    case 'delier-educonnect': {
      const unlinked = await educonnect.unlink(actor, form.ids, { classId, ip: context.ip });
      return back(ctx, classId, form, {
        kind: 'notice',
        text: unlinked
          ? `${plural(unlinked, 'compte délié', 'comptes déliés')} d’ÉduConnect : la prochaine connexion avec ÉduConnect demandera de prouver le compte ENT.`
          : 'Aucun de ces comptes n’était relié à ÉduConnect.',
      });
    }
    case 'retirer-badges': {
      const revoked = await badges.revoke(actor, classId, form.ids, context);
      return back(ctx, classId, form, {
        kind: 'notice',
        text: revoked ? `${plural(revoked, 'badge retiré', 'badges retirés')}.` : 'Aucun badge à retirer.',
      });
    }
  }
}

export function actionRoutes(router: Router, deps: AdminDeps): void {
  router.post('/classes/:classId/actions', async (ctx) => {
    const teacher = await requireTeacher(ctx, deps);
    if (!teacher) return;
    const admin = adminServices(deps.domain);
    const classId = ctx.params.classId!;
    const parsed = actionForm.safeParse((ctx.request as unknown as { body?: unknown }).body ?? {});
    if (!parsed.success) throw badRequest('Cette action n’est pas reconnue. Rechargez la page et réessayez.');
    const form = parsed.data;
    // The class of the page first: a class the teacher cannot see is a 404, whatever the ids.
    await admin.policies.requireClass(teacher.actor, classId, 'view');
    if (!form.ids.length)
      return back(ctx, classId, form, {
        kind: 'error',
        text: 'Cochez d’abord la case sur l’image de profil d’au moins un utilisateur.',
      });
    if ((form.action === 'bloquer' || form.action === 'reinitialiser') && form.confirme !== 'oui') {
      // Read through the same policies: the confirmation names only allowed accounts.
      const targets = await admin.policies.authorizeTargets(teacher.actor, form.ids, classId);
      const confirm = CONFIRM[form.action];
      return renderPage(ctx, 'confirm', teacher, {
        title: confirm.heading(targets.length),
        heading: confirm.heading(targets.length),
        explanation: confirm.explanation,
        confirmLabel: confirm.label,
        action: form.action,
        rows: targets.map(({ account: a }) => ({
          id: a.id,
          displayName: `${a.firstName} ${a.lastName}`.trim(),
          login: a.login,
          initials: initials(a.firstName, a.lastName),
          tone: tone(a.id),
        })),
        onglet: tabOf(form.onglet).key,
        q: form.q ?? '',
        actionHref: `${classHref(classId)}/actions`,
        backHref: classHref(classId, { onglet: tabOf(form.onglet).key, q: form.q || undefined }),
      });
    }
    await run(ctx, admin, deps.domain.badges, deps.domain.educonnect, teacher, classId, form, deps.config.admin.issuer);
  });

  // « Connexion par badge » of the class: on, off, or every badge revoked at once.
  router.post('/classes/:classId/badges', async (ctx) => {
    const teacher = await requireTeacher(ctx, deps);
    if (!teacher) return;
    const classId = ctx.params.classId!;
    const parsed = badgesForm.safeParse((ctx.request as unknown as { body?: unknown }).body ?? {});
    if (!parsed.success) throw badRequest('Cette action n’est pas reconnue. Rechargez la page et réessayez.');
    const form = parsed.data;
    const { badges } = deps.domain;
    const context = { ip: ctx.ip || null };
    let text: string;
    if (form.badges === 'retirer-tous') {
      const revoked = await badges.revoke(teacher.actor, classId, 'all', context);
      text = revoked
        ? `${plural(revoked, 'badge retiré', 'badges retirés')} : il faudra en imprimer de nouveaux.`
        : 'Aucun badge à retirer.';
    } else {
      const on = form.badges === 'activer';
      await badges.setClassEnabled(teacher.actor, classId, on, context);
      text = on
        ? 'Connexion par badge activée : imprimez les badges des élèves (cochez-les, puis IMPRIMER LES BADGES).'
        : 'Connexion par badge désactivée : les badges ne marchent plus, jusqu’à ce que vous la réactiviez.';
    }
    back(ctx, classId, form, { kind: 'notice', text });
  });
}
