// `ent-idp account block|unblock <identifiant>`: blocking ends the account's sessions, grants
// and tokens at once (same transaction, audited).
import { setBlocked } from '../../domain/accounts-admin.js';
import { registerCommand, UsageError } from '../commands.js';
import { withDomain } from '../with-domain.js';

registerCommand({
  name: 'account',
  usage: 'block|unblock <identifiant>',
  summary: 'block or unblock an account',
  description:
    'block: the account can no longer sign in (password or code); its sessions, grants and tokens end at once. unblock: it can sign in again.',
  async run({ positionals }, ctx) {
    const [action, login, extra] = positionals;
    if (action !== 'block' && action !== 'unblock') throw new UsageError('account: expected "block" or "unblock"');
    if (!login) throw new UsageError(`account ${action}: missing <identifiant>`);
    if (extra) throw new UsageError(`account ${action}: unexpected argument "${extra}"`);
    const outcome = await withDomain(ctx, `account ${action}`, (domain) =>
      setBlocked(domain, login, action === 'block'),
    );
    if (action === 'block')
      ctx.print(
        `${outcome.login} ${outcome.changed ? 'blocked' : 'was already blocked'}; ${outcome.revoked} session/grant/token row(s) revoked`,
      );
    else ctx.print(`${outcome.login} ${outcome.changed ? 'unblocked' : 'was not blocked'}`);
  },
});
