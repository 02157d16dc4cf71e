import { openTestDatabase } from '../helpers/db.js';
import { createAccount } from '../helpers/factories.js';
import { Account } from '../../src/db/entities/index.js';
import { SearchColumnsCollapseSpaces1796014682766 } from '../../migrations/1796014682766-search-columns-collapse-spaces.js';

const tablesQuery = (kind: string) =>
  kind === 'sqlite' ? "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'" : 'SHOW TABLES';

describe('migrations', () => {
  it('run up, down and up again (partial artifact indexes on SQLite)', async () => {
    const { db, cleanup } = await openTestDatabase({ migrate: false });
    try {
      const before = (await db.dataSource.query(tablesQuery(db.kind))).length;
      expect(await db.pendingMigrations()).toBe(true);
      await db.dataSource.runMigrations();
      expect(await db.pendingMigrations()).toBe(false);
      const names = (await db.dataSource.query(tablesQuery(db.kind))).map(
        (r: Record<string, string>) => Object.values(r)[0],
      );
      expect(names).toEqual(
        expect.arrayContaining([
          'accounts',
          'one_time_codes',
          'oidc_artifacts',
          'signing_keys',
          'rate_limits',
          'audit_events',
        ]),
      );
      if (db.kind === 'sqlite') {
        const partial = await db.dataSource.query(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'oidc_artifacts' AND sql LIKE '%IS NOT NULL%' ORDER BY name",
        );
        expect(partial.map((r: { name: string }) => r.name)).toEqual([
          'idx_oidc_account',
          'idx_oidc_grant',
          'idx_oidc_uid',
          'idx_oidc_user_code',
        ]);
      }
      while (await db.dataSource.query(tablesQuery(db.kind)).then((rows: unknown[]) => rows.length > before + 1))
        await db.dataSource.undoLastMigration();
      // Only the migrations table remains.
      expect((await db.dataSource.query(tablesQuery(db.kind))).length).toBe(before + 1);
      await db.dataSource.runMigrations();
      expect(await db.pendingMigrations()).toBe(false);
    } finally {
      await cleanup();
    }
  });

  it('recompute search columns stored with runs of white space', async () => {
    const { db, cleanup } = await openTestDatabase();
    try {
      // As the roster import stored them before searchForm collapsed white space.
      const account = await createAccount(db, {
        profile: 'Student',
        firstName: 'Jean  Pierre',
        lastName: 'De\tla Tour',
      });
      await db.transaction((manager) =>
        manager.update(Account, { id: account.id }, { searchFirstName: 'jean  pierre', searchLastName: 'de\tla tour' }),
      );
      // Run on its own: later migrations come after it in the list.
      const runner = db.dataSource.createQueryRunner();
      try {
        await new SearchColumnsCollapseSpaces1796014682766().up(runner);
      } finally {
        await runner.release();
      }
      expect(await db.read((manager) => manager.findOneByOrFail(Account, { id: account.id }))).toMatchObject({
        searchFirstName: 'jean pierre',
        searchLastName: 'de la tour',
      });
    } finally {
      await cleanup();
    }
  });
});
