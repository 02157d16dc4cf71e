// `ent-idp migrate`: applies the pending migrations to the database named by DATABASE_URL
// and prints what it did. The server also migrates on start; this is for deployments that
// migrate in a separate step (before rolling out new instances).
import { redactDatabaseUrl } from '../../db/index.js';
import { CliError, registerCommand, UsageError } from '../commands.js';

registerCommand({
  name: 'migrate',
  usage: '',
  summary: 'apply pending database migrations',
  description:
    'Applies the pending migrations to the database named by DATABASE_URL (creating the SQLite file if needed) and prints their names.',
  async run({ positionals }, ctx) {
    if (positionals.length) throw new UsageError(`migrate: unexpected argument "${positionals[0]}"`);
    const url = redactDatabaseUrl(ctx.config().database.url);
    const db = await ctx.openDatabase({ migrate: false });
    try {
      const applied = await db.dataSource.runMigrations({ transaction: 'each' }).catch((err: unknown) => {
        throw new CliError(`migration failed on ${url}: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
      });
      for (const migration of applied) ctx.print(`applied ${migration.name}`);
      const total = db.dataSource.migrations.length;
      ctx.print(
        applied.length
          ? `${url}: ${applied.length} migration(s) applied, ${total} in all`
          : `${url}: up to date (${total} migration(s) applied earlier)`,
      );
    } finally {
      await db.close();
    }
  },
});
