import {
  CODE_ALPHABET,
  CODE_LENGTH,
  codeExpiry,
  generateCode,
  looksLikeCode,
  nextSchoolYearStart,
  normalizeCode,
} from '../../../src/domain/codes/format.js';

describe('one-time code format', () => {
  it('uses 28 lowercase characters without look-alikes', () => {
    expect(CODE_ALPHABET).toHaveLength(28);
    expect(new Set(CODE_ALPHABET).size).toBe(28);
    for (const lookAlike of 'ilo01qu2') expect(CODE_ALPHABET).not.toContain(lookAlike);
    expect(CODE_ALPHABET).toBe(CODE_ALPHABET.toLowerCase());
  });

  it('generates 8 characters of the alphabet, all of them in use', () => {
    const seen = new Set<string>();
    const codes = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = generateCode();
      expect(code).toHaveLength(CODE_LENGTH);
      expect(code).toMatch(/^[abcdefghjkmnprstvwxyz3456789]{8}$/);
      for (const c of code) seen.add(c);
      codes.add(code);
    }
    expect(seen.size).toBe(28);
    expect(codes.size).toBe(2000);
  });

  it('normalizes what people type: case and every kind of space', () => {
    expect(normalizeCode('YXS7CE5D')).toBe('yxs7ce5d');
    expect(normalizeCode('  yxs7 ce5d ')).toBe('yxs7ce5d');
    expect(normalizeCode('yx s7\tce\u00a05d\n')).toBe('yxs7ce5d');
    expect(looksLikeCode('yxs7ce5d')).toBe(true);
    expect(looksLikeCode('yxs7ce5')).toBe(false);
    expect(looksLikeCode('yxs7ce50')).toBe(false); // 0 is not in the alphabet
  });
});

describe('activation code expiry', () => {
  const lifetimes = { activationTtl: 0, schoolYearStart: '09-01', renewalTtl: 72 * 3600 };

  it('is the next school year start (UTC midnight) strictly after now', () => {
    expect(nextSchoolYearStart(new Date('2026-03-15T10:00:00Z'), '09-01').toISOString()).toBe(
      '2026-09-01T00:00:00.000Z',
    );
    expect(nextSchoolYearStart(new Date('2026-09-01T00:00:00Z'), '09-01').toISOString()).toBe(
      '2027-09-01T00:00:00.000Z',
    );
    expect(nextSchoolYearStart(new Date('2026-08-31T23:59:59.999Z'), '09-01').toISOString()).toBe(
      '2026-09-01T00:00:00.000Z',
    );
    expect(nextSchoolYearStart(new Date('2026-12-31T12:00:00Z'), '08-25').toISOString()).toBe(
      '2027-08-25T00:00:00.000Z',
    );
    expect(() => nextSchoolYearStart(new Date(), '13-01')).toThrow('MM-DD');
  });

  it('uses ACTIVATION_CODE_TTL when set, RENEWAL_CODE_TTL for renewals', () => {
    const now = new Date('2026-03-15T10:00:00Z');
    expect(codeExpiry('activation', now, lifetimes).toISOString()).toBe('2026-09-01T00:00:00.000Z');
    expect(codeExpiry('activation', now, { ...lifetimes, activationTtl: 3600 }).toISOString()).toBe(
      '2026-03-15T11:00:00.000Z',
    );
    expect(codeExpiry('renewal', now, lifetimes).toISOString()).toBe('2026-03-18T10:00:00.000Z');
  });
});
