// The oidc-provider adapter contract, on the real database (SQLite, or MariaDB with
// TEST_DATABASE_URL).
import { openTestDatabase } from '../../helpers/db.js';
import { TypeOrmAdapter } from '../../../src/oidc/adapter.js';
import type { Database } from '../../../src/db/index.js';
import { OidcArtifact } from '../../../src/db/entities/index.js';

let db: Database;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ db, cleanup } = await openTestDatabase()));
afterAll(async () => cleanup());

const adapter = (model: string) => new TypeOrmAdapter(db, model);

describe('TypeOrmAdapter', () => {
  it('upserts and finds a payload, replacing it on a second upsert', async () => {
    const tokens = adapter('AccessToken');
    await tokens.upsert('at-1', { jti: 'at-1', accountId: 'acc-1', grantId: 'g-1', kind: 'AccessToken' }, 60);
    expect(await tokens.find('at-1')).toMatchObject({ jti: 'at-1', accountId: 'acc-1' });
    await tokens.upsert(
      'at-1',
      { jti: 'at-1', accountId: 'acc-1', grantId: 'g-1', kind: 'AccessToken', scope: 'openid' },
      60,
    );
    expect(await tokens.find('at-1')).toMatchObject({ scope: 'openid' });
    expect(await adapter('RefreshToken').find('at-1')).toBeUndefined();
  });

  it('a token saved while another request’s transaction is open survives that transaction’s rollback', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => (inside = resolve));
    const failing = db.transaction(async (manager) => {
      await manager.query('UPDATE oidc_artifacts SET payload = payload WHERE id = ?', ['nothing']);
      inside();
      await held;
      throw new Error('this request failed');
    });
    await opened;
    const saving = adapter('RefreshToken').upsert('rt-during', { jti: 'rt-during', grantId: 'g-during' }, 60);
    release();
    await expect(failing).rejects.toThrow('this request failed');
    await saving;
    expect(await adapter('RefreshToken').find('rt-during')).toMatchObject({ jti: 'rt-during' });
  });

  it('writes issued together all land; one that fails fails alone, the others are stored (SQLite groups them in one commit)', async () => {
    const tokens = adapter('AccessToken');
    const insert = `INSERT INTO oidc_artifacts (model, id, payload) VALUES (?, ?, ?)`;
    await db.execute(insert, ['AccessToken', 'dup-1', '{}']);
    // Issued in the same turn of the event loop, as concurrent requests' writes are.
    const results = await Promise.allSettled([
      ...Array.from({ length: 40 }, (_, i) =>
        tokens.upsert(`batch-${i}`, { jti: `batch-${i}`, kind: 'AccessToken', n: i }, 60),
      ),
      db.execute(insert, ['AccessToken', 'dup-1', '{}']),
    ]);
    expect(results.slice(0, 40).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results[40]!.status).toBe('rejected');
    for (let i = 0; i < 40; i++) expect(await tokens.find(`batch-${i}`)).toMatchObject({ n: i });
    expect(await db.read((m) => m.countBy(OidcArtifact, { model: 'AccessToken', id: 'dup-1' }))).toBe(1);
  });

  it('honours expiry on read', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('c-exp', { jti: 'c-exp', grantId: 'g-2' }, 1);
    await db.transaction((m) =>
      m.update(OidcArtifact, { model: 'AuthorizationCode', id: 'c-exp' }, { expiresAt: new Date(Date.now() - 1000) }),
    );
    expect(await codes.find('c-exp')).toBeUndefined();
  });

  it('finds sessions by uid and device codes by user code', async () => {
    await adapter('Session').upsert('s-1', { jti: 's-1', uid: 'uid-1', accountId: 'acc-2' }, 60);
    expect(await adapter('Session').findByUid('uid-1')).toMatchObject({ jti: 's-1' });
    await adapter('DeviceCode').upsert('d-1', { jti: 'd-1', userCode: 'ABCD-EFGH' }, 60);
    expect(await adapter('DeviceCode').findByUserCode('ABCD-EFGH')).toMatchObject({ jti: 'd-1' });
  });

  it('marks consumption, destroys, and revokes every artifact of a grant', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('c-1', { jti: 'c-1', grantId: 'g-3' }, 60);
    await codes.consume('c-1');
    expect(typeof (await codes.find('c-1'))?.consumed).toBe('number');

    await adapter('AccessToken').upsert('at-3', { jti: 'at-3', grantId: 'g-3' }, 60);
    await adapter('RefreshToken').upsert('rt-3', { jti: 'rt-3', grantId: 'g-3' }, 60);
    await adapter('AccessToken').revokeByGrantId('g-3');
    expect(await adapter('RefreshToken').find('rt-3')).toBeUndefined();
    expect(await codes.find('c-1')).toBeUndefined();

    await adapter('Grant').upsert('g-4', { jti: 'g-4', accountId: 'acc-4' }, 60);
    await adapter('Grant').destroy('g-4');
    expect(await adapter('Grant').find('g-4')).toBeUndefined();
  });

  it('keeps the account of every artifact, so an account can be revoked at once', async () => {
    await adapter('Interaction').upsert('i-1', { jti: 'i-1', session: { accountId: 'acc-5' } } as never, 60);
    await adapter('Grant').upsert('g-5', { jti: 'g-5', accountId: 'acc-5' }, 60);
    const rows = await db.read((m) => m.findBy(OidcArtifact, { accountId: 'acc-5' }));
    expect(rows.map((r) => r.model).sort()).toEqual(['Grant', 'Interaction']);
  });

  it('keeps artifacts without expiry', async () => {
    await adapter('ReplayDetection').upsert('r-1', { jti: 'r-1' }, 0);
    expect(await adapter('ReplayDetection').find('r-1')).toMatchObject({ jti: 'r-1' });
  });
});
