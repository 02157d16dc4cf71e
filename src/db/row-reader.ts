// Reads one entity by one column with a statement built once from TypeORM's metadata, and
// hydrates it with the driver's own column conversions: the same object `findOne` returns,
// run by `Database.execute`, without the query builder and hydration pipeline around it (≈ 10× the SQL on the hot paths
// that use it: findAccount on every refresh and userinfo, the identifiant on every sign-in;
// BENCHMARKS.md).
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import type { Database, SqlParam } from './index.js';

export type FindOneBy<T> = (value: string) => Promise<T | null>;

export function findOneBy<T extends ObjectLiteral>(
  db: Database,
  entity: EntityTarget<T>,
  property: keyof T & string,
): FindOneBy<T> {
  const metadata = db.dataSource.getMetadata(entity);
  const by = metadata.findColumnWithPropertyName(property);
  if (!by) throw new Error(`${metadata.name} has no column ${property}`);
  const q = (name: string) => db.dataSource.driver.escape(name);
  const find = findMany(db, entity, 'e', `FROM ${q(metadata.tableName)} e WHERE e.${q(by.databaseName)} = ? LIMIT 1`);
  return async (value) => (await find([value]))[0] ?? null;
}

/**
 * The entities of `alias` selected by `rest` (`FROM … JOIN … WHERE … ORDER BY`, `?`
 * parameters), hydrated as `findOneBy` does: for the few hot reads that join (the claims).
 */
export function findMany<T extends ObjectLiteral>(
  db: Database,
  entity: EntityTarget<T>,
  alias: string,
  rest: string,
): (params: SqlParam[]) => Promise<T[]> {
  const { driver } = db.dataSource;
  const metadata = db.dataSource.getMetadata(entity);
  const columns = metadata.columns;
  const q = (name: string) => driver.escape(name);
  const sql = `SELECT ${columns.map((c) => `${alias}.${q(c.databaseName)} AS ${q(c.propertyName)}`).join(', ')} ${rest}`;
  return async (params) => {
    const rows = (await db.execute(sql, params)) as Record<string, unknown>[];
    return rows.map((row) => {
      const entityObject = metadata.create() as T;
      for (const column of columns)
        column.setEntityValue(entityObject, driver.prepareHydratedValue(row[column.propertyName], column));
      return entityObject;
    });
  };
}
