// The seed's school for integration tests: École du Centre, class CM2 A, the child
// « test enfant » (enfant.test, born 01/08/2010).
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import type { Database } from '../../src/db/index.js';
import { Account, Membership, SchoolClass, Structure, type Profile } from '../../src/db/entities/index.js';

export const CHILD_PASSWORD = 'une phrase de passe solide';

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

export async function insertAccount(db: Database, a: { login: string; firstName: string; lastName: string; profile: Profile; structureId: string | null; birthDate?: string | null; email?: string | null; password?: string }): Promise<Account> {
  const now = new Date();
  const row: Account = {
    id: randomUUID(),
    login: a.login,
    firstName: a.firstName,
    lastName: a.lastName,
    searchFirstName: fold(a.firstName),
    searchLastName: fold(a.lastName),
    birthDate: a.birthDate ?? null,
    profile: a.profile,
    email: a.email ?? null,
    structureId: a.structureId,
    externalId: null,
    passwordHash: a.password ? await argon2.hash(a.password, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 }) : null,
    activatedAt: a.password ? now : null,
    blockedAt: null,
    lastLoginAt: null,
    passwordChangedAt: a.password ? now : null,
    createdAt: now,
    updatedAt: now,
  };
  await db.manager.insert(Account, row);
  return row;
}

export async function seedChild(db: Database) {
  const now = new Date();
  const structure: Structure = { id: randomUUID(), uai: '0801234A', name: 'École du Centre', entAddress: 'https://ecole.entsomme.fr', createdAt: now };
  await db.manager.insert(Structure, structure);
  const cls: SchoolClass = { id: randomUUID(), structureId: structure.id, name: 'CM2 A', schoolYear: '2026-2027', externalId: null, createdAt: now };
  await db.manager.insert(SchoolClass, cls);
  const child = await insertAccount(db, { login: 'enfant.test', firstName: 'test', lastName: 'enfant', birthDate: '2010-08-01', profile: 'Student', structureId: structure.id, email: 'enfant@example.test', password: CHILD_PASSWORD });
  await db.manager.insert(Membership, { accountId: child.id, classId: cls.id, createdAt: now });
  return { structure, cls, child };
}
