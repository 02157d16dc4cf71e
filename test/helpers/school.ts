// The seed's school for integration tests: École du Centre, class CM2 A, the child
// « test enfant » (enfant.test, born 01/08/2010).
import type { Database } from '../../src/db/index.js';
import { createAccount, createClass, createStructure } from './factories.js';

export const CHILD_PASSWORD = 'une phrase de passe solide';

export async function seedChild(db: Database) {
  const structure = await createStructure(db, {
    uai: '0801234A',
    name: 'École du Centre',
    entAddress: 'https://ecole.entsomme.fr',
  });
  const cls = await createClass(db, { structureId: structure.id, name: 'CM2 A' });
  const child = await createAccount(db, {
    login: 'enfant.test',
    firstName: 'test',
    lastName: 'enfant',
    birthDate: '2010-08-01',
    profile: 'Student',
    structureId: structure.id,
    email: 'enfant@example.test',
    password: CHILD_PASSWORD,
    classIds: [cls.id],
  });
  return { structure, cls, child };
}
