// `ent-idp export-account <identifiant>`: everything held about one person, as JSON on
// stdout, to answer a right-of-access request (GDPR art. 15). No hash, code or token in it.
import { exportAccount } from '../../domain/account-export.js';
import { registerCommand, UsageError } from '../commands.js';
import { withDomain } from '../with-domain.js';

registerCommand({
  name: 'export-account',
  usage: '<identifiant>',
  summary: "print a person's data as JSON (right of access, GDPR art. 15)",
  description:
    'Account fields, school, classes of every year, roles, relatives or children, one-time codes and reset links (dates only), applications granted, audit events by or about the account. Never a password hash, code, token or secret.',
  async run({ positionals }, ctx) {
    const [login, extra] = positionals;
    if (!login) throw new UsageError('export-account: missing <identifiant>');
    if (extra) throw new UsageError(`export-account: unexpected argument "${extra}"`);
    const data = await withDomain(ctx, 'export-account', (domain) => exportAccount(domain.db, login));
    ctx.print(JSON.stringify(data, null, 2));
  },
});
