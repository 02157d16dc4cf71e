import { decrypt, deriveKey, digest, encrypt, safeEqualHex } from '../../../src/domain/crypto.js';

const master = Buffer.alloc(32, 7);

describe('domain crypto', () => {
  it('round-trips a code through AES-256-GCM bound to its row id', () => {
    const key = deriveKey(master, 'codes');
    const sealed = encrypt(key, 'yxs7ce5d', 'row-1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('yxs7ce5d');
    expect(decrypt(key, sealed, 'row-1')).toBe('yxs7ce5d');
    expect(encrypt(key, 'yxs7ce5d', 'row-1')).not.toBe(sealed); // fresh IV each time
    expect(() => decrypt(key, sealed, 'row-2')).toThrow(); // copied to another row: refused
    expect(() => decrypt(deriveKey(master, 'other'), sealed, 'row-1')).toThrow();
  });

  it('derives distinct sub-keys and keyed digests compared in constant time', () => {
    expect(deriveKey(master, 'codes').equals(deriveKey(master, 'code-digest'))).toBe(false);
    const key = deriveKey(master, 'code-digest');
    const a = digest(key, 'yxs7ce5d');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(safeEqualHex(a, digest(key, 'yxs7ce5d'))).toBe(true);
    expect(safeEqualHex(a, digest(key, 'yxs7ce5e'))).toBe(false);
    expect(safeEqualHex(a, a.slice(0, 62))).toBe(false);
    expect(digest(deriveKey(master, 'reset-token'), 'yxs7ce5d')).not.toBe(a);
  });
});
