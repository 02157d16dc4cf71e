// `ent-idp keys rotate|list`: signing key rotation. Running instances pick up the new keys
// within a minute (they watch the key table); the old keys stay published until every token
// they signed has expired.
import { listSigningKeys, rotateSigningKeys, ensureSigningKeys } from '../../oidc/keys.js';
import { registerCommand, UsageError } from '../commands.js';

registerCommand({
  name: 'keys',
  usage: 'rotate | list',
  summary: 'rotate or list the signing keys',
  async run({ positionals }, ctx) {
    const [action, extra] = positionals;
    if (!action || !['rotate', 'list'].includes(action) || extra)
      throw new UsageError('keys: expected "rotate" or "list"');
    const config = ctx.config();
    const db = await ctx.openDatabase();
    try {
      if (action === 'rotate') {
        await ensureSigningKeys(db, config);
        const fresh = await rotateSigningKeys(db, config);
        for (const key of fresh) ctx.print(`new current key ${key.kid} (${key.alg})`);
      }
      for (const key of await listSigningKeys(db)) {
        ctx.print(
          `${key.kid}\t${key.alg}\t${key.status}${key.publishedUntil ? `\tpublished until ${key.publishedUntil.toISOString()}` : ''}`,
        );
      }
    } finally {
      await db.close();
    }
  },
});
