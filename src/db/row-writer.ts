// Writes rows with statements built once from TypeORM's metadata and values converted by the
// driver's own column conversions (`preparePersistentValue`): the same row `manager.insert` /
// `manager.update` write, run in a `Database.atomically` transaction without the query
// builder around it — the sign-in's audit event and lastLoginAt (issue #22, BENCHMARKS.md).
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import type { Database, SqlParam, SqlTransaction } from './index.js';

/** `INSERT` of one whole row of `entity`. */
export function rowInsert<T extends ObjectLiteral>(
  db: Database,
  entity: EntityTarget<T>,
): (tx: SqlTransaction, row: T) => Promise<unknown> {
  const { driver } = db.dataSource;
  const metadata = db.dataSource.getMetadata(entity);
  const columns = metadata.columns;
  const q = (name: string) => driver.escape(name);
  const sql =
    `INSERT INTO ${q(metadata.tableName)} (${columns.map((c) => q(c.databaseName)).join(', ')}) ` +
    `VALUES (${columns.map(() => '?').join(', ')})`;
  return (tx, row) =>
    tx.run(
      sql,
      columns.map((c) => (driver.preparePersistentValue(c.getEntityValue(row), c) ?? null) as SqlParam),
    );
}

/** `UPDATE … SET <set> WHERE <where>` (`=` each): `values` give the `set` columns, `match` the `where` ones. */
export function rowUpdate<T extends ObjectLiteral>(
  db: Database,
  entity: EntityTarget<T>,
  set: readonly (keyof T & string)[],
  where: readonly (keyof T & string)[],
): (tx: SqlTransaction, values: Partial<T>, match: Partial<T>) => Promise<unknown> {
  const { driver } = db.dataSource;
  const metadata = db.dataSource.getMetadata(entity);
  const column = (property: string) => {
    const found = metadata.findColumnWithPropertyName(property);
    if (!found) throw new Error(`${metadata.name} has no column ${property}`);
    return found;
  };
  const [setColumns, whereColumns] = [set.map(column), where.map(column)];
  const q = (name: string) => driver.escape(name);
  const sql =
    `UPDATE ${q(metadata.tableName)} SET ${setColumns.map((c) => `${q(c.databaseName)} = ?`).join(', ')} ` +
    `WHERE ${whereColumns.map((c) => `${q(c.databaseName)} = ?`).join(' AND ')}`;
  const params = (values: Partial<T>, columns: typeof setColumns) =>
    columns.map((c) => (driver.preparePersistentValue(c.getEntityValue(values), c) ?? null) as SqlParam);
  return (tx, values, match) => tx.run(sql, [...params(values, setColumns), ...params(match, whereColumns)]);
}

/** `DELETE … WHERE <date column> < ?`: the rows past a date (expired ids, old sessions). */
export function rowDeleteBefore<T extends ObjectLiteral>(
  db: Database,
  entity: EntityTarget<T>,
  property: keyof T & string,
): (tx: SqlTransaction, before: Date) => Promise<unknown> {
  const { driver } = db.dataSource;
  const metadata = db.dataSource.getMetadata(entity);
  const column = metadata.findColumnWithPropertyName(property);
  if (!column) throw new Error(`${metadata.name} has no column ${property}`);
  const q = (name: string) => driver.escape(name);
  const sql = `DELETE FROM ${q(metadata.tableName)} WHERE ${q(column.databaseName)} < ?`;
  return (tx, before) => tx.run(sql, [driver.preparePersistentValue(before, column) as SqlParam]);
}
