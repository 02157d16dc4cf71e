import argon2 from 'argon2';
import { createPasswords } from '../../../src/domain/passwords/index.js';
import { createWorkMeter, type WorkKind } from '../../../src/domain/work.js';

const config = { argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 }, passwords: { minLength: 8 } };

describe('password hashing', () => {
  const passwords = createPasswords(config);

  it('hashes with argon2id at the configured cost and verifies', async () => {
    const hash = await passwords.hash('une phrase de passe solide');
    expect(hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(hash.split('$')[3]!.split(',').sort()).toEqual(['m=1024', 'p=1', 't=1']);
    expect(await passwords.verify(hash, 'une phrase de passe solide')).toEqual({ ok: true, needsRehash: false });
    expect(await passwords.verify(hash, 'une autre phrase')).toEqual({ ok: false, needsRehash: false });
  });

  it('matches NFC and NFD spellings of the same password', async () => {
    const hash = await passwords.hash('été à la plage');
    expect((await passwords.verify(hash, 'e\u0301te\u0301 a\u0300 la plage')).ok).toBe(true);
  });

  it('asks for a rehash when the stored parameters differ from the configuration', async () => {
    const old = await argon2.hash('une phrase de passe solide', {
      type: argon2.argon2id,
      memoryCost: 2048,
      timeCost: 1,
      parallelism: 1,
    });
    expect(await passwords.verify(old, 'une phrase de passe solide')).toEqual({ ok: true, needsRehash: true });
    const argon2i = await argon2.hash('une phrase de passe solide', {
      type: argon2.argon2i,
      memoryCost: 1024,
      timeCost: 1,
      parallelism: 1,
    });
    expect(await passwords.verify(argon2i, 'une phrase de passe solide')).toEqual({ ok: true, needsRehash: true });
    expect(await passwords.verify('not a hash', 'x')).toEqual({ ok: false, needsRehash: false });
  });

  it('dummyVerify runs one argon2 verification, as verify does for a real hash', async () => {
    // Counted where argon2 is called: a dummyVerify that skipped the work would count nothing
    // (its result, always false, says nothing about the work).
    const counted: WorkKind[] = [];
    const work = createWorkMeter();
    work.observe((kind) => counted.push(kind));
    const metered = createPasswords(config, work);
    const hash = await metered.hash('une phrase de passe solide');
    expect(await metered.verify(hash, 'une autre phrase')).toEqual({ ok: false, needsRehash: false });
    expect(counted).toEqual(['password_verification']);
    expect(await metered.dummyVerify('une phrase de passe solide')).toBe(false);
    expect(await metered.dummyVerify('')).toBe(false);
    expect(counted).toEqual(['password_verification', 'password_verification', 'password_verification']);
  });

  it('applies the configured minimum length', () => {
    expect(
      createPasswords({ ...config, passwords: { minLength: 12 } }).policyError('onze carac.', { login: 'x' }),
    ).toMatch(/au moins 12/);
  });
});
