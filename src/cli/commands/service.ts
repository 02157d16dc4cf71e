// `ent-idp service add|list|remove`: the CAS applications allowed to receive service tickets
// (domain/cas/services.ts) and the SAML service providers, registered by their metadata
// (domain/saml/services.ts). OIDC applications stay under `client`.
import { readFile } from 'node:fs/promises';
import { createAudit } from '../../domain/audit.js';
import { createCasServices, ServiceRejected } from '../../domain/cas/services.js';
import { createSamlServices } from '../../domain/saml/services.js';
import { fetchMetadata, isMetadataUrl, MetadataUnavailable } from '../../saml/fetch-metadata.js';
import { CliError, listOption as list, refusal, registerCommand, UsageError } from '../commands.js';

registerCommand({
  name: 'service',
  usage:
    'add <id> --name <name> --protocol cas --service-url <URL prefix> [--service-url …] [--attribute <name>]… [--attribute-profile pronote] | add <id> --name <name> --protocol saml --metadata <file|https URL> [--name-id persistent|identifiant] [--attribute-profile gar] | list | remove <id>',
  summary: 'register, list or remove CAS services and SAML service providers',
  description:
    "add: a service URL is admitted when its scheme, host and port equal a prefix's and its path is the prefix's path or lies under it. Attributes released by /cas/p3/serviceValidate: identifiant, nom, prenom, profil, uai, classes (default: all); --attribute-profile pronote releases nom, prenom, dateNaissance, codePostal, categories instead. SAML: the SP metadata (a file, or an https URL read once, at most 256 KiB within 10 s, no redirect) gives the entity id, the ACS URLs (HTTP-POST), the signing certificates and AuthnRequestsSigned; the NameID is a pairwise opaque id unless --name-id identifiant. Adding an existing id replaces it. Running servers see a change at once.",
  options: {
    name: { type: 'string' },
    protocol: { type: 'string' },
    'service-url': { type: 'string', multiple: true },
    attribute: { type: 'string', multiple: true },
    'attribute-profile': { type: 'string' },
    metadata: { type: 'string' },
    'name-id': { type: 'string' },
  },
  async run({ positionals, values }, ctx) {
    const [action, id, extra] = positionals;
    if (!action || !['add', 'list', 'remove'].includes(action))
      throw new UsageError('service: expected "add", "list" or "remove"');
    if (action !== 'list' && !id) throw new UsageError(`service ${action}: missing <id>`);
    if (extra || (action === 'list' && id)) throw new UsageError(`service ${action}: unexpected argument`);
    if (action === 'add' && !values.protocol) throw new UsageError('service add: missing --protocol cas|saml');
    if (action === 'add' && values.protocol === 'saml' && !values.metadata)
      throw new UsageError('service add: --protocol saml needs --metadata <file|https URL>');
    const db = await ctx.openDatabase();
    try {
      const audit = createAudit(db, ctx.logger());
      const services = createCasServices(db, audit);
      const sps = createSamlServices(db, audit);
      if (action === 'list') {
        for (const s of await services.list()) {
          const released = s.attributeProfile ? `profile=${s.attributeProfile}` : s.attributes.join(',');
          ctx.print(`${s.id}\t${s.protocol}\t${s.serviceUrls.join(' ')}\t${released}\t${s.name}`);
        }
        for (const s of await sps.list()) {
          const released = s.attributeProfile ? `profile=${s.attributeProfile}` : 'default';
          const refused = s.refused ? `\tREFUSED: ${s.refused}` : '';
          ctx.print(`${s.id}\tsaml\t${s.entityId}\t${released} nameid=${s.nameIdFormat}\t${s.name}${refused}`);
        }
        return;
      }
      if (action === 'remove') {
        if (!(await services.remove(id!)) && !(await sps.remove(id!)))
          throw new CliError(`service remove: no service "${id}"`);
        ctx.print(`removed ${id}`);
        return;
      }
      try {
        if (values.protocol === 'saml') {
          if (await services.byId(id!)) throw new ServiceRejected(`id "${id}" is already a CAS service`);
          const source = String(values.metadata);
          const metadataXml = isMetadataUrl(source)
            ? await fetchMetadata(source).catch((err: Error) => {
                throw err instanceof MetadataUnavailable ? new CliError(`service add: ${err.message}`) : err;
              })
            : await readFile(source, 'utf8').catch((err: Error) => {
                throw new CliError(`service add: cannot read ${source}: ${err.message}`);
              });
          const saved = await sps.save({
            id: id!,
            name: String(values.name ?? id),
            metadataXml,
            nameIdFormat: values['name-id'] ? String(values['name-id']) : null,
            attributeProfile: values['attribute-profile'] ? String(values['attribute-profile']) : null,
          });
          ctx.print(
            `saved ${saved.id} (saml) ${saved.entityId} ${saved.metadata.acs.map((a) => a.location).join(' ')}`,
          );
          return;
        }
        if (await sps.byId(id!)) throw new ServiceRejected(`id "${id}" is already a SAML service provider`);
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
