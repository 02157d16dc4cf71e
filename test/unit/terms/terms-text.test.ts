// The terms of use as published (domain/terms.ts) and as shown (interactions/terms-markdown.ts):
// refusals of what is not a text, and Markdown rendered without HTML nor inline styles.
import { termsText, MAX_TERMS_BYTES } from '../../../src/domain/terms.js';
import { renderTermsMarkdown } from '../../../src/interactions/terms-markdown.js';
import { DomainError } from '../../../src/domain/errors.js';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as DomainError).code;
  }
  return null;
};

describe('termsText', () => {
  it('keeps UTF-8 text, without its BOM', () => {
    expect(termsText(Buffer.from('\uFEFF# Charte\n\nÀ l’école.', 'utf8'))).toBe('# Charte\n\nÀ l’école.');
  });
  it('refuses empty, blank, not UTF-8, NUL bytes, too large', () => {
    expect(code(() => termsText(Buffer.alloc(0)))).toBe('terms_empty');
    expect(code(() => termsText(Buffer.from(' \n\t\n')))).toBe('terms_empty');
    expect(code(() => termsText(Buffer.from([0x43, 0x68, 0xe9])))).toBe('terms_not_utf8');
    expect(code(() => termsText(Buffer.from('a\u0000b')))).toBe('terms_not_utf8');
    expect(code(() => termsText(Buffer.alloc(MAX_TERMS_BYTES + 1, 'a')))).toBe('terms_too_large');
    expect(termsText(Buffer.alloc(MAX_TERMS_BYTES, 'a'))).toHaveLength(MAX_TERMS_BYTES);
  });
});

describe('renderTermsMarkdown', () => {
  it('shows HTML as text, drops unsafe links and inline styles, moves headings one level down', () => {
    const html = renderTermsMarkdown(
      [
        '# Titre',
        '<img src=x onerror=alert(1)>',
        '[piège](javascript:alert(1)) [site](https://ecole.example/)',
        '| a | b |',
        '|--:|:-:|',
        '| 1 | 2 |',
      ].join('\n\n'),
    );
    expect(html).toContain('<h2>Titre</h2>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('<a href="https://ecole.example/" rel="noopener noreferrer" target="_blank">site</a>');
    expect(html).not.toContain('style=');
  });
});
