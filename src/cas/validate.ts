// Ticket validation, called by the services themselves (server to server):
//
//   GET /cas/validate?ticket&service             CAS 1: "yes\n<identifiant>\n" or "no\n\n"
//   GET /cas/serviceValidate?ticket&service       CAS 2: XML, the identifiant
//   GET /cas/p3/serviceValidate?ticket&service    CAS 3: XML, the identifiant and <cas:attributes>
//
// `renew=true` accepts only a ticket issued right after a new sign-in. Proxy tickets
// (`pgtUrl`) are not offered: the parameter is ignored, as CAS 3 § 2.5.2 allows.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { releasedAttributes, type ValidateResult } from '../domain/cas/index.js';
import type { CasDeps } from './index.js';
import { validationFailure, validationSuccess } from './xml.js';

export function validateRoutes(router: Router, deps: CasDeps): void {
  const { cas } = deps;

  const validate = async (ctx: Context): Promise<ValidateResult> => {
    ctx.set('Cache-Control', 'no-store');
    const result = await cas.tickets.validate({
      ticket: ctx.query.ticket,
      service: ctx.query.service,
      renew: ctx.query.renew === 'true',
      ip: ctx.ip,
    });
    deps.metrics?.validation(result.ok ? 'ok' : result.code);
    return result;
  };

  router.get('/cas/validate', async (ctx) => {
    const result = await validate(ctx);
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = result.ok ? `yes\n${result.account.login}\n` : 'no\n\n';
  });

  router.get('/cas/serviceValidate', async (ctx) => {
    const result = await validate(ctx);
    ctx.type = 'application/xml; charset=utf-8';
    ctx.body = result.ok ? validationSuccess(result.account.login) : validationFailure(result.code, result.message);
  });

  router.get('/cas/p3/serviceValidate', async (ctx) => {
    const result = await validate(ctx);
    ctx.type = 'application/xml; charset=utf-8';
    if (!result.ok) {
      ctx.body = validationFailure(result.code, result.message);
      return;
    }
    const service = await cas.services.byId(result.serviceId);
    const details = service?.attributeProfile ? null : await cas.accounts.entDetailsFor(result.account);
    const list = service
      ? releasedAttributes(service, {
          account: result.account,
          structure: details?.structure ?? null,
          classes: details?.classes ?? [],
          children: details?.children ?? [],
        })
      : [];
    ctx.body = validationSuccess(result.account.login, { list, fromNewLogin: result.renewed });
  });
}
