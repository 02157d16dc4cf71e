// `ent-idp keys rotate [--now] | list`: signing key rotation. The new keys are published at
// once and sign from SIGNING_KEY_LEAD_HOURS later (--now: at once, for a compromised key);
// running instances switch within a minute of that (they check the key table every minute);
// the old keys stay published until every token they signed has expired.
import { listSigningKeys, rotateSigningKeys, ensureSigningKeys, RotationPending } from '../../oidc/keys.js';
import { CliError, registerCommand, UsageError } from '../commands.js';

registerCommand({
  name: 'keys',
  usage: 'rotate [--now] | list',
  summary: 'rotate or list the signing keys',
  description:
    'rotate: new RS256 and ES256 keys, published at once (JWKS, SAML metadata) and signing from SIGNING_KEY_LEAD_HOURS later, so that applications and SAML SPs that cache keys learn them first; --now: they sign at once and the current keys retire (a compromised key). list: each published key, current, next (with when it signs) or retired (with until when it stays published).',
  options: { now: { type: 'boolean' } },
  async run({ positionals, values }, ctx) {
    const [action, extra] = positionals;
    if (!action || !['rotate', 'list'].includes(action) || extra)
      throw new UsageError('keys: expected "rotate" or "list"');
    if (values.now && action !== 'rotate') throw new UsageError('keys: --now goes with rotate');
    const config = ctx.config();
    const db = await ctx.openDatabase();
    try {
      if (action === 'rotate') {
        await ensureSigningKeys(db, config);
        const fresh = await rotateSigningKeys(db, config, { now: Boolean(values.now) }).catch((err: unknown) => {
          throw err instanceof RotationPending ? new CliError(`keys rotate: ${err.message}`) : err;
        });
        for (const key of fresh)
          ctx.print(
            key.activatesAt
              ? `new next key ${key.kid} (${key.alg}), signs from ${key.activatesAt.toISOString()}`
              : `new current key ${key.kid} (${key.alg})`,
          );
      }
      for (const key of await listSigningKeys(db, config)) {
        const when = key.activatesAt
          ? `\tsigns from ${key.activatesAt.toISOString()}`
          : key.publishedUntil
            ? `\tpublished until ${key.publishedUntil.toISOString()}`
            : '';
        ctx.print(`${key.kid}\t${key.alg}\t${key.status}${when}`);
      }
    } finally {
      await db.close();
    }
  },
});
