// OIDC clients declared in CLIENTS_FILE are applied at every start, idempotently.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { discover, signIn, REDIRECT_URI, POST_LOGOUT_URI } from '../../helpers/oidc.js';
import { seedChild, CHILD_PASSWORD } from '../../helpers/school.js';
import { loadConfig, ConfigError } from '../../../src/config/index.js';
import { createServer } from '../../../src/server.js';
import { createLogger } from '../../../src/logger.js';

let ts: TestServer | undefined;
afterAll(async () => ts?.stop());

const SECRET = 'a-declared-client-secret-of-enough-length';
const file = join(mkdtempSync(join(tmpdir(), 'ent-idp-clients-')), 'clients.json');
writeFileSync(
  file,
  JSON.stringify([
    {
      clientId: 'ent-cantine',
      name: 'Cantine',
      redirectUris: [REDIRECT_URI],
      postLogoutRedirectUris: [POST_LOGOUT_URI],
      firstParty: true,
      secret: SECRET,
    },
  ]),
);

it('applies the declared clients at every start, idempotently', async () => {
  ts = await startTestServer({ env: { CLIENTS_FILE: file } });
  await seedChild(ts.server.db);
  const port = Number(new URL(ts.url).port);
  await ts.stop({ keepDatabase: true });
  ts = await startTestServer({ env: { CLIENTS_FILE: file }, database: ts.database, port });
  expect((await ts.server.oidc.clients.list()).filter((c) => c.clientId === 'ent-cantine')).toHaveLength(1);
  const config = await discover(ts.url, 'ent-cantine', SECRET);
  const { tokens } = await signIn({ clientId: 'ent-cantine', secret: SECRET, config }, 'enfant.test', CHILD_PASSWORD);
  expect(tokens.access_token).toBeTruthy();
});

it('refuses to start on an invalid declaration, naming the setting', async () => {
  const bad = join(mkdtempSync(join(tmpdir(), 'ent-idp-clients-')), 'clients.json');
  writeFileSync(bad, JSON.stringify([{ clientId: 'x', name: 'Trop court' }]));
  const config = loadConfig({ env: { NODE_ENV: 'test', DATABASE_URL: ts!.database.url, CLIENTS_FILE: bad } });
  await expect(createServer(config, { logger: createLogger('silent') })).rejects.toThrow(ConfigError);
  await expect(createServer(config, { logger: createLogger('silent') })).rejects.toThrow(/^CLIENTS_FILE: /);
});
