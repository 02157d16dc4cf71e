// The simplest durable adapter for the bare oidc-provider baseline (BARE_SQLITE=<file>): one
// better-sqlite3 table, statements prepared once, WAL with synchronous=NORMAL and SQLite's
// own checkpoints, a primary key and two partial indexes (uid for sessions, grantId for
// revocation). What any oidc-provider deployment that keeps its tokens in SQLite pays at
// least: the floor a durable ent-idp is compared with.
import Sqlite from 'better-sqlite3';

/** @param {string} path */
export function sqliteAdapterClass(path) {
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS artifacts (
    model TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL, grantId TEXT, uid TEXT, userCode TEXT,
    expiresAt INTEGER, consumedAt INTEGER, PRIMARY KEY (model, id));
    CREATE INDEX IF NOT EXISTS artifacts_uid ON artifacts (uid) WHERE uid IS NOT NULL;
    CREATE INDEX IF NOT EXISTS artifacts_grant ON artifacts (grantId) WHERE grantId IS NOT NULL;`);
  const upsert = db.prepare(`INSERT INTO artifacts (model, id, payload, grantId, uid, userCode, expiresAt, consumedAt)
    VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload,
    grantId = excluded.grantId, uid = excluded.uid, userCode = excluded.userCode, expiresAt = excluded.expiresAt`);
  const find = (column) =>
    db.prepare(
      `SELECT payload, consumedAt FROM artifacts WHERE model = ? AND ${column} = ? AND (expiresAt IS NULL OR expiresAt > ?)`,
    );
  const byId = find('id');
  const byUid = find('uid');
  const byUserCode = find('userCode');
  const consume = db.prepare('UPDATE artifacts SET consumedAt = ? WHERE model = ? AND id = ?');
  const destroy = db.prepare('DELETE FROM artifacts WHERE model = ? AND id = ?');
  const revoke = db.prepare('DELETE FROM artifacts WHERE grantId = ?');
  const now = () => Math.floor(Date.now() / 1000);
  const read = (row) => {
    if (!row) return undefined;
    const payload = JSON.parse(row.payload);
    if (row.consumedAt) payload.consumed = row.consumedAt;
    return payload;
  };

  return class SqliteAdapter {
    constructor(model) {
      this.model = model;
    }
    async upsert(id, payload, expiresIn) {
      upsert.run(
        this.model,
        id,
        JSON.stringify(payload),
        payload.grantId ?? null,
        payload.uid ?? null,
        payload.userCode ?? null,
        expiresIn ? now() + expiresIn : null,
      );
    }
    async find(id) {
      return read(byId.get(this.model, id, now()));
    }
    async findByUid(uid) {
      return read(byUid.get(this.model, uid, now()));
    }
    async findByUserCode(userCode) {
      return read(byUserCode.get(this.model, userCode, now()));
    }
    async consume(id) {
      consume.run(now(), this.model, id);
    }
    async destroy(id) {
      destroy.run(this.model, id);
    }
    async revokeByGrantId(grantId) {
      revoke.run(grantId);
    }
  };
}
