// `ent-idp code <identifiant> [--kind activation|renewal]`: a new one-time code, printed.
import { issueCode } from '../../domain/accounts-admin.js';
import { registerCommand, UsageError } from '../commands.js';
import { withDomain } from '../with-domain.js';

registerCommand({
  name: 'code',
  usage: '<identifiant> [--kind activation|renewal]',
  summary: 'generate a one-time code for an account and print it',
  description:
    'Generates a new activation or renewal code (the previous live code stops working) and prints it. Default kind: activation for an account never activated, renewal otherwise. An activation code for an activated account is refused.',
  options: { kind: { type: 'string' } },
  async run({ positionals, values }, ctx) {
    const [login, extra] = positionals;
    if (!login) throw new UsageError('code: missing <identifiant>');
    if (extra) throw new UsageError(`code: unexpected argument "${extra}"`);
    const kind = values.kind;
    if (kind !== undefined && kind !== 'activation' && kind !== 'renewal')
      throw new UsageError('code: --kind must be "activation" or "renewal"');
    const issued = await withDomain(ctx, 'code', (domain) => issueCode(domain, login, kind));
    ctx.print(`${issued.login}\t${issued.kind}\t${issued.code}\texpires ${issued.expiresAt.toISOString()}`);
  },
});
