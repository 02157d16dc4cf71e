import { commonPasswords } from '../../../src/domain/passwords/common-passwords.js';
import { MAX_PASSWORD_LENGTH, passwordLength, policyError } from '../../../src/domain/passwords/policy.js';

const context = { login: 'enfant.test', minLength: 8 };

describe('password policy', () => {
  it('accepts any long enough password, without composition rules', () => {
    expect(policyError('une phrase de passe solide', context)).toBeNull();
    expect(policyError('cheval pile agrafe', context)).toBeNull();
    expect(policyError('été à la mer 🌊', context)).toBeNull();
    expect(policyError('日本語のパスワードです', context)).toBeNull();
  });

  it('says how many characters are needed, counting code points after NFC', () => {
    expect(policyError('court', context)).toBe(
      'Le mot de passe doit contenir au moins 8 caractères (il en contient 5).',
    );
    expect(policyError('', context)).toMatch(/au moins 8 caractères/);
    // « é » typed decomposed (e + accent) counts as one character.
    expect(passwordLength('e\u0301t\u0065\u0301')).toBe(3);
    expect(policyError('e\u0301te\u0301 sur', context)).toMatch(/au moins 8 caractères \(il en contient 7\)/);
    expect(passwordLength('🌊🌊')).toBe(2);
    expect(policyError('🌊🌊🌊🌊🌊🌊🌊🌊', context)).toBeNull();
    expect(policyError('x'.repeat(12), { ...context, minLength: 12 })).toBeNull();
  });

  it('refuses more than 128 characters', () => {
    expect(policyError('a b'.repeat(43).slice(0, MAX_PASSWORD_LENGTH), context)).toBeNull();
    expect(policyError('mot '.repeat(40), context)).toBe(
      'Le mot de passe doit contenir au plus 128 caractères (il en contient 160).',
    );
  });

  it('refuses the identifiant and the code, whatever the case (and spaces in the code)', () => {
    expect(policyError('Enfant.Test', context)).toMatch(/pas être votre identifiant/);
    expect(policyError('YXS7CE5D', { ...context, code: 'yxs7ce5d' })).toMatch(/pas être le code reçu/);
    expect(policyError('yxs7 ce5d', { ...context, code: 'yxs7ce5d' })).toMatch(/pas être le code reçu/);
  });

  it('refuses passwords of the bundled common list, case-insensitively', () => {
    expect(commonPasswords().size).toBe(38_452); // the top 100,000 with at least 8 characters, lowercased
    for (const pw of [
      'password',
      'PASSWORD1',
      '12345678',
      'iloveyou',
      'azertyuiop',
      'qwertyuiop',
      'sunshine',
      'MotDePasse',
    ]) {
      expect(policyError(pw, context)).toMatch(/trop courant/);
    }
  });
});
