import { openTestDatabase } from '../helpers/db.js';

const tablesQuery = (kind: string) =>
  kind === 'sqlite' ? "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'" : 'SHOW TABLES';

describe('migrations', () => {
  it('run up, down and up again', async () => {
    const { db, cleanup } = await openTestDatabase({ migrate: false });
    try {
      const before = (await db.dataSource.query(tablesQuery(db.kind))).length;
      expect(await db.pendingMigrations()).toBe(true);
      await db.dataSource.runMigrations();
      expect(await db.pendingMigrations()).toBe(false);
      const names = (await db.dataSource.query(tablesQuery(db.kind))).map((r: Record<string, string>) => Object.values(r)[0]);
      expect(names).toEqual(expect.arrayContaining(['accounts', 'one_time_codes', 'oidc_artifacts', 'signing_keys', 'rate_limits', 'audit_events']));
      await db.dataSource.undoLastMigration();
      expect((await db.dataSource.query(tablesQuery(db.kind))).length).toBe(before + 1); // only the migrations table remains
      await db.dataSource.runMigrations();
      expect(await db.pendingMigrations()).toBe(false);
    } finally {
      await cleanup();
    }
  });
});
