// Multi-row INSERTs for imports (an académie's 100,000 accounts, their memberships, links,
// codes and audit events), run with the caller's manager so they land in its transaction.
// One statement per batch, its columns and values taken from TypeORM's metadata and
// converted by the driver's own column conversions (as oidc/adapter.ts does), so rows read
// back exactly as the entity's. TypeORM's insert builder spends most of an import's CPU
// and garbage on rows this plain (bench/aaf.ts, BENCHMARKS.md).
import type { EntityManager } from 'typeorm';

/** Inserts `rows` of `entity`, `size` per statement (every column given: none is generated here). */
export async function insertMany<T extends object>(
  manager: EntityManager,
  entity: new () => T,
  rows: readonly T[],
  size = 200,
): Promise<void> {
  if (!rows.length) return;
  const { driver } = manager.connection;
  const metadata = manager.connection.getMetadata(entity);
  const columns = metadata.columns;
  const head = `INSERT INTO ${driver.escape(metadata.tableName)} (${columns.map((c) => driver.escape(c.databaseName)).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += size) {
    const part = rows.slice(i, i + size);
    const params: unknown[] = [];
    for (const row of part)
      for (const column of columns) {
        const value: unknown = driver.preparePersistentValue(column.getEntityValue(row), column);
        params.push(value === undefined ? null : value);
      }
    await manager.query(head + new Array<string>(part.length).fill(tuple).join(', '), params);
  }
}
