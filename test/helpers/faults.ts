// A real database failure, injected without touching our code: a trigger that makes the
// database refuse one row (an insert into `table` whose `column` is `value`), as a full disk,
// a constraint or a lost connection would in the middle of a batch. The test then checks
// that nothing of the batch was written.
import type { Database } from '../../src/db/index.js';

const TRIGGER = 'test_injected_failure';

/** Makes every INSERT into `table` with `column` = `value` fail; returns the undo. */
export async function failInsert(
  db: Database,
  table: string,
  column: string,
  value: string,
): Promise<() => Promise<void>> {
  if (!/^\w+$/.test(table) || !/^\w+$/.test(column) || !/^[\w.-]+$/.test(value))
    throw new Error('failInsert: plain names and values only');
  if (db.kind === 'sqlite') {
    await db.dataSource.query(
      `CREATE TRIGGER ${TRIGGER} BEFORE INSERT ON ${table} WHEN NEW.${column} = '${value}' BEGIN SELECT RAISE(ABORT, 'injected'); END`,
    );
  } else {
    await db.dataSource.query(
      `CREATE TRIGGER ${TRIGGER} BEFORE INSERT ON \`${table}\` FOR EACH ROW BEGIN IF NEW.\`${column}\` = '${value}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected'; END IF; END`,
    );
  }
  return async () => {
    await db.dataSource.query(`DROP TRIGGER IF EXISTS ${TRIGGER}`);
  };
}
