// `ent-idp service add|list|remove`: the CAS applications allowed to receive service tickets
// (domain/cas/services.ts). OIDC applications stay under `client`.
import { createAudit } from '../../domain/audit.js';
import { createCasServices, ServiceRejected } from '../../domain/cas/services.js';
import { CliError, listOption as list, refusal, registerCommand, UsageError } from '../commands.js';

registerCommand({
  name: 'service',
  usage:
    'add <id> --name <name> --protocol cas --service-url <URL prefix> [--service-url …] [--attribute <name>]… [--attribute-profile pronote] | list | remove <id>',
  summary: 'register, list or remove CAS services',
  description:
    "add: a service URL is admitted when its scheme, host and port equal a prefix's and its path is the prefix's path or lies under it. Attributes released by /cas/p3/serviceValidate: identifiant, nom, prenom, profil, uai, classes (default: all); --attribute-profile pronote releases nom, prenom, dateNaissance, codePostal, categories instead. Adding an existing id replaces it. Running servers see a change at once.",
  options: {
    name: { type: 'string' },
    protocol: { type: 'string' },
    'service-url': { type: 'string', multiple: true },
    attribute: { type: 'string', multiple: true },
    'attribute-profile': { type: 'string' },
  },
  async run({ positionals, values }, ctx) {
    const [action, id, extra] = positionals;
    if (!action || !['add', 'list', 'remove'].includes(action))
      throw new UsageError('service: expected "add", "list" or "remove"');
    if (action !== 'list' && !id) throw new UsageError(`service ${action}: missing <id>`);
    if (extra || (action === 'list' && id)) throw new UsageError(`service ${action}: unexpected argument`);
    if (action === 'add' && !values.protocol) throw new UsageError('service add: missing --protocol cas');
    const db = await ctx.openDatabase();
    try {
      const services = createCasServices(db, createAudit(db, ctx.logger()));
      if (action === 'list') {
        for (const s of await services.list()) {
          const released = s.attributeProfile ? `profile=${s.attributeProfile}` : s.attributes.join(',');
          ctx.print(`${s.id}\t${s.protocol}\t${s.serviceUrls.join(' ')}\t${released}\t${s.name}`);
        }
        return;
      }
      if (action === 'remove') {
        if (!(await services.remove(id!))) throw new CliError(`service remove: no service "${id}"`);
        ctx.print(`removed ${id}`);
        return;
      }
      try {
        const saved = await services.save({
          id: id!,
          name: String(values.name ?? id),
          protocol: String(values.protocol),
          serviceUrls: list(values['service-url']),
          attributes: list(values.attribute),
          attributeProfile: values['attribute-profile'] ? String(values['attribute-profile']) : null,
        });
        ctx.print(`saved ${saved.id} (${saved.protocol}) ${saved.serviceUrls.join(' ')}`);
      } catch (err) {
        if (err instanceof ServiceRejected) throw refusal('service add', err);
        throw err;
      }
    } finally {
      await db.close();
    }
  },
});
