// The simplest durable adapter on MariaDB/MySQL for the bare oidc-provider baseline
// (BARE_MYSQL=<url>): one InnoDB table, a mysql2 pool of the same size as ent-idp's, one
// statement per call (autocommit), a primary key and the uid and grantId indexes. What any
// oidc-provider deployment that keeps its tokens in MariaDB pays at least.
import mysql from 'mysql2/promise';

/** @param {string} url */
export async function mysqlAdapterClass(url) {
  const pool = mysql.createPool({ uri: url, connectionLimit: 10, timezone: 'Z' });
  await pool.query(`CREATE TABLE IF NOT EXISTS artifacts (
    model VARCHAR(32) NOT NULL, id VARCHAR(255) NOT NULL, payload TEXT NOT NULL, grantId VARCHAR(255) NULL,
    uid VARCHAR(255) NULL, userCode VARCHAR(255) NULL, expiresAt BIGINT NULL, consumedAt BIGINT NULL,
    PRIMARY KEY (model, id), INDEX artifacts_uid (uid), INDEX artifacts_grant (grantId)) ENGINE=InnoDB CHARACTER SET utf8mb4`);
  const now = () => Math.floor(Date.now() / 1000);
  const read = ([rows]) => {
    const row = rows[0];
    if (!row) return undefined;
    const payload = JSON.parse(row.payload);
    if (row.consumedAt) payload.consumed = Number(row.consumedAt);
    return payload;
  };
  const find = (column) =>
    `SELECT payload, consumedAt FROM artifacts WHERE model = ? AND ${column} = ? AND (expiresAt IS NULL OR expiresAt > ?)`;

  return class MysqlAdapter {
    constructor(model) {
      this.model = model;
    }
    async upsert(id, payload, expiresIn) {
      await pool.execute(
        `INSERT INTO artifacts (model, id, payload, grantId, uid, userCode, expiresAt) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE payload = VALUES(payload), grantId = VALUES(grantId), uid = VALUES(uid), userCode = VALUES(userCode), expiresAt = VALUES(expiresAt)`,
        [
          this.model,
          id,
          JSON.stringify(payload),
          payload.grantId ?? null,
          payload.uid ?? null,
          payload.userCode ?? null,
          expiresIn ? now() + expiresIn : null,
        ],
      );
    }
    async find(id) {
      return read(await pool.execute(find('id'), [this.model, id, now()]));
    }
    async findByUid(uid) {
      return read(await pool.execute(find('uid'), [this.model, uid, now()]));
    }
    async findByUserCode(userCode) {
      return read(await pool.execute(find('userCode'), [this.model, userCode, now()]));
    }
    async consume(id) {
      await pool.execute('UPDATE artifacts SET consumedAt = ? WHERE model = ? AND id = ?', [now(), this.model, id]);
    }
    async destroy(id) {
      await pool.execute('DELETE FROM artifacts WHERE model = ? AND id = ?', [this.model, id]);
    }
    async revokeByGrantId(grantId) {
      await pool.execute('DELETE FROM artifacts WHERE grantId = ?', [grantId]);
    }
  };
}
