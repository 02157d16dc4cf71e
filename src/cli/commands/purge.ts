// `ent-idp purge`: what the server does every PURGE_INTERVAL, once, now.
import { registerCommand, UsageError } from '../commands.js';
import { withDomain } from '../with-domain.js';

registerCommand({
  name: 'purge',
  usage: '',
  summary: 'delete expired sessions, tokens, throttling rows, old reset links, codes and audit events',
  description:
    'Deletes expired provider artifacts, admin page sessions and throttling rows, reset links and one-time codes expired for more than 30 days, audit events older than AUDIT_RETENTION_DAYS, accounts departed at a rollover more than DEPARTED_RETENTION_DAYS ago (their audit events anonymised), and CAS tickets older than REMEMBER_ME_TTL; prints the counts.',
  async run({ positionals }, ctx) {
    if (positionals.length) throw new UsageError(`purge: unexpected argument "${positionals[0]}"`);
    const counts = await withDomain(ctx, 'purge', (domain) => domain.maintenance.purgeExpired());
    ctx.print(
      `purged: ${counts.artifacts} provider artifact(s), ${counts.adminSessions} admin page session(s), ${counts.federationRequests} ÉduConnect request(s), ${counts.rateLimits} throttling row(s), ${counts.resetTokens} reset link(s), ${counts.codes} one-time code(s), ${counts.auditEvents} audit event(s), ${counts.casTickets} CAS ticket(s), ${counts.departedAccounts} departed account(s)`,
    );
  },
});
