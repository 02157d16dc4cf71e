// `ent-idp client add|list|remove`: the OIDC clients (ENT applications) allowed to sign
// users in, validated with oidc-provider's own client schema.
import { ClientRejected, ClientStore } from '../../oidc/clients.js';
import { clientValidator } from '../../oidc/index.js';
import { CliError, listOption as list, refusal, registerCommand, UsageError } from '../commands.js';

registerCommand({
  name: 'client',
  usage:
    'add <client_id> --name <name> [--public] [--redirect-uri <uri>]… [--post-logout-redirect-uri <uri>]… [--grant-type <type>]… [--scope <scope>]… [--first-party] [--resource-server] [--backchannel-logout-uri <uri>] [--secret <secret>] | list | remove <client_id>',
  summary: 'register, list or remove OIDC clients',
  description:
    'add: a confidential client gets a generated secret, printed once (or --secret). Grant types: authorization_code, refresh_token, client_credentials (default: the first two). Scopes default to "openid profile email ent offline_access". --first-party skips the consent page. --resource-server (confidential clients) lets the client introspect the access tokens of every client. --backchannel-logout-uri: where the application receives OpenID Connect back-channel logout tokens (with the session\'s sid); https in production; the application may be down when registered.',
  options: {
    name: { type: 'string' },
    public: { type: 'boolean' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    'grant-type': { type: 'string', multiple: true },
    scope: { type: 'string', multiple: true },
    'first-party': { type: 'boolean' },
    'resource-server': { type: 'boolean' },
    'backchannel-logout-uri': { type: 'string' },
    secret: { type: 'string' },
  },
  async run({ positionals, values }, ctx) {
    const [action, clientId, extra] = positionals;
    if (!action || !['add', 'list', 'remove'].includes(action))
      throw new UsageError('client: expected "add", "list" or "remove"');
    if (action !== 'list' && !clientId) throw new UsageError(`client ${action}: missing <client_id>`);
    if (extra || (action === 'list' && clientId)) throw new UsageError(`client ${action}: unexpected argument`);
    const config = ctx.config();
    const db = await ctx.openDatabase();
    try {
      const store = new ClientStore(db, config, await clientValidator(config));
      if (action === 'list') {
        for (const c of await store.list()) {
          ctx.print(
            `${c.clientId}\t${c.type}${c.firstParty ? ' first-party' : ''}${c.resourceServer ? ' resource-server' : ''}${c.backchannelLogoutUri ? ` backchannel-logout=${c.backchannelLogoutUri}` : ''}\t${c.grantTypes.join(',')}\t${c.redirectUris.join(' ')}\t${c.name}`,
          );
        }
        return;
      }
      if (action === 'remove') {
        if (!(await store.remove(clientId!))) throw new CliError(`client remove: no client "${clientId}"`);
        ctx.print(`removed ${clientId}`);
        return;
      }
      const grantTypes = list(values['grant-type']);
      const scopes = list(values.scope);
      try {
        const { client, secret } = await store.save({
          clientId: clientId!,
          name: String(values.name ?? clientId),
          type: values.public ? 'public' : 'confidential',
          redirectUris: list(values['redirect-uri']),
          postLogoutRedirectUris: list(values['post-logout-redirect-uri']),
          ...(grantTypes.length ? { grantTypes: grantTypes as never } : {}),
          ...(scopes.length ? { scopes } : {}),
          firstParty: Boolean(values['first-party']),
          resourceServer: Boolean(values['resource-server']),
          ...(values['backchannel-logout-uri']
            ? { backchannelLogoutUri: String(values['backchannel-logout-uri']) }
            : {}),
          ...(values.secret ? { secret: String(values.secret) } : {}),
        });
        ctx.print(`saved ${client.clientId} (${client.type})`);
        if (secret && !values.secret) ctx.print(`client_secret: ${secret}`);
      } catch (err) {
        if (err instanceof ClientRejected) throw refusal('client add', err);
        throw err;
      }
    } finally {
      await db.close();
    }
  },
});
