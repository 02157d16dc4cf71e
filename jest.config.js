// ESM TypeScript tests: ts-jest transpiles (type checking is `npm run typecheck`),
// Node runs them as ES modules (NODE_OPTIONS=--experimental-vm-modules), so ESM-only
// packages such as oidc-provider, openid-client and jose import as in production.
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true }] };
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform,
  setupFiles: ['<rootDir>/test/helpers/setup-env.ts'],
};
const slow = { setupFilesAfterEnv: ['<rootDir>/test/helpers/setup-timeout.ts'] };
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, ...slow, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, ...slow, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
