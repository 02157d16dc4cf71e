// ESLint (flat config): `npm run lint` runs it with `prettier --check`.
//
// Base: @eslint/js `recommended` + typescript-eslint `recommended` (syntax only), plus the
// few type-aware rules that catch real bugs in a Koa/oidc-provider server:
//   - no-floating-promises: a promise nobody awaits loses its rejection (unhandled, or
//     after the response was sent);
//   - no-misused-promises: an async function where a void callback is expected (event
//     listeners, timers, `server.close(cb)`): its rejection goes nowhere;
//   - await-thenable: `await` on a non-promise is a leftover or a wrong type.
// typescript-eslint `recommendedTypeChecked` is left out (425 findings when tried): 164 are
// no-unsafe-* on the `any` of oidc-provider metadata, TypeORM raw queries and JSON bodies in
// tests, 230 no-unnecessary-type-assertion (style), and the rest (require-await on adapter
// methods that must return promises, unbound-method on passed-around methods, base-to-string
// on `String(unknown)`) were checked by hand and are not bugs. Its bug-finding rules are the
// ones enabled below.
// Module graph: import-x/no-cycle (a cycle makes import order matter, and ESM gives
// `undefined` or a TDZ error to whichever module runs first; `import type` is erased, so it
// does not count) and no-extraneous-dependencies (every imported package is declared; src/
// uses only `dependencies`, type-only imports aside).
// Line length is Prettier's printWidth (120, .prettierrc.json): it wraps code, not comments
// or strings, hence max-len below for what Prettier leaves alone.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'test-results/'] },

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Without these, import-x skips .ts files when it follows imports (no cycle is seen).
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Imports name the compiled file (`./x.js`); the source is `./x.ts` (NodeNext).
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.mjs', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.js'] },
        }),
      ],
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-extraneous-dependencies': [
        'error',
        {
          devDependencies: ['test/**', 'bench/**', 'scripts/**', '*.config.js', 'jest.config.js'],
          optionalDependencies: false,
        },
      ],
      // The code names what it drops on purpose with a leading `_` (key fields stripped from a
      // JWK, an unused Koa `ctx`…): 12 places.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Lines ≤ 120 for what Prettier does not wrap (comments); strings, templates, regexps and
      // URLs may run over (cutting a French message or a URL in two helps no reader).
      'max-len': [
        'error',
        {
          code: 120,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
          ignoreComments: false,
        },
      ],
    },
  },

  // Type-aware rules, TypeScript only (tsconfig.json; it reaches scripts/ through a unit test).
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },

  // The browser scripts of the pages (plain scripts, no modules).
  {
    files: ['public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
);
