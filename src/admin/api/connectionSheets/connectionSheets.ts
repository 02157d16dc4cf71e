// POST /v1/connection-sheets — « FICHES DE CONNEXIONS » as PDF or CSV.
import type Router from '@koa/router';
import type { Config } from '../../../config/index.js';
import type { Domain } from '../../../domain/index.js';
import { connectionEntryUrl } from '../../../domain/login/entry-url.js';
import { actorOf, jsonBody, validate } from '../http.js';
import { routerPath } from '../registry.js';
import { connectionSheetsCsv } from './csv.js';
import { connectionSheetsPdf } from './pdf.js';
import { createConnectionSheets, SheetsBody } from './schema.js';

export function connectionSheetRoutes(router: Router, domain: Domain, config: Config): void {
  router.post(routerPath(createConnectionSheets), async (ctx) => {
    const actor = actorOf(ctx);
    const { accountIds, format, classId, perPage } = validate(SheetsBody, jsonBody(ctx));
    const rows = await domain.admin.connectionSheets(actor, accountIds, { classId });
    await domain.admin.recordSheetsPrinted(actor, rows, { ip: ctx.ip, classId, format });
    ctx.set('Content-Disposition', `attachment; filename="fiches-de-connexion.${format}"`);
    if (format === 'csv') {
      ctx.type = 'text/csv; charset=utf-8';
      ctx.body = connectionSheetsCsv(rows);
    } else {
      ctx.type = 'application/pdf';
      ctx.body = await connectionSheetsPdf(rows, {
        perPage,
        entryUrl: (login) => connectionEntryUrl(config.admin.issuer, login),
      });
    }
  });
}
