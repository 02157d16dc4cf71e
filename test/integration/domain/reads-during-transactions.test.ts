// Reads never see another request's uncommitted rows. On SQLite every statement shares one
// connection, so a read that ran while a transaction was open would run inside it and see
// rows its rollback then removes (Database.read, Database.execute). MariaDB: separate pool
// connections, the same expectations.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Account, Membership, SchoolClass } from '../../../src/db/entities/index.js';
import { createAccount, createClass, SCHOOL_YEAR } from '../../helpers/factories.js';
import { openDomain, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await openDomain();
});
afterAll(() => h.cleanup());

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets every pending callback run: a read that is not held back has answered by then. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Another request's transaction: writes with `write`, stays open until `release`, then rolls back. */
function openTransaction(write: (manager: EntityManager) => Promise<unknown>) {
  const written = signal();
  const released = signal();
  const done = h.db.transaction(async (manager) => {
    await write(manager);
    written.resolve();
    await released.promise;
    throw new Error('rolled back');
  });
  return { written: written.promise, release: released.resolve, done };
}

/** A copy of a committed account under a new id and identifiant, never committed itself. */
async function ghostAccount(): Promise<Account> {
  const template = await createAccount(h.db, { profile: 'Student' });
  return { ...template, id: randomUUID(), login: `fantome.${randomUUID().slice(0, 8)}` };
}

describe('reads during another request’s transaction', () => {
  it('the sign-in lookup (execute) never returns an account whose insert is rolled back', async () => {
    const ghost = await ghostAccount();
    const tx = openTransaction((manager) => manager.insert(Account, ghost));
    await tx.written;
    const lookup = h.domain.accounts.findByLogin(ghost.login);
    await settle();
    tx.release();
    await expect(tx.done).rejects.toThrow('rolled back');
    expect(await lookup).toBeNull();
    expect(await h.domain.accounts.findByLogin(ghost.login)).toBeNull();
  });

  it('the claims query (TypeORM) never lists a class whose membership is rolled back', async () => {
    const child = await createAccount(h.db, { profile: 'Student' });
    const cls = await createClass(h.db, { name: 'CM1 fantôme', schoolYear: SCHOOL_YEAR });
    const tx = openTransaction((manager) =>
      manager.insert(Membership, { accountId: child.id, classId: cls.id, createdAt: new Date() }),
    );
    await tx.written;
    const details = h.domain.accounts.entDetailsFor(child);
    await settle();
    tx.release();
    await expect(tx.done).rejects.toThrow('rolled back');
    expect((await details).classes).toEqual([]);
  });

  it('a transaction that begins while a read is under way waits for it to finish', async () => {
    const ghost = await ghostAccount();
    const firstQuery = signal();
    const resume = signal();
    const read = h.db.read(async (manager) => {
      await manager.count(SchoolClass);
      firstQuery.resolve();
      await resume.promise;
      return manager.countBy(Account, { login: ghost.login });
    });
    await firstQuery.promise;
    const tx = openTransaction((manager) => manager.insert(Account, ghost));
    await settle();
    resume.resolve();
    const seen = await read;
    await tx.written;
    tx.release();
    await expect(tx.done).rejects.toThrow('rolled back');
    expect(seen).toBe(0);
  });
});
