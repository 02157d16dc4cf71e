// ClientStore.metadata() keeps a client it read for a few seconds (the provider reads it on
// every token request). A change through the same store applies at once; a change made by
// another process (the CLI, another instance) reaches this one within CLIENT_CACHE_TTL_MS.
import { jest } from '@jest/globals';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { CLIENT_CACHE_TTL_MS, ClientStore, type ClientInput } from '../../../src/oidc/clients.js';
import { clientValidator } from '../../../src/oidc/index.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
}, 30_000);
afterAll(() => ts?.stop());
afterEach(() => jest.restoreAllMocks());

const service = (secret: string): ClientInput => ({
  clientId: 'ent-sync-cache',
  name: 'Synchronisation',
  type: 'confidential',
  grantTypes: ['client_credentials'],
  scopes: ['ent'],
  secret,
});
const SECRET_1 = 'first-secret-of-the-service-0123456789';
const SECRET_2 = 'second-secret-of-the-service-987654321';

async function token(secret: string): Promise<number> {
  const response = await fetch(`${ts.url}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`ent-sync-cache:${secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials&scope=ent',
  });
  return response.status;
}

test('a secret change or a removal through the store applies at once', async () => {
  await ts.server.oidc.clients.save(service(SECRET_1));
  expect(await token(SECRET_1)).toBe(200);
  expect(await token(SECRET_1)).toBe(200); // served from the cache
  await ts.server.oidc.clients.save(service(SECRET_2));
  expect(await token(SECRET_1)).toBe(401);
  expect(await token(SECRET_2)).toBe(200);
  await ts.server.oidc.clients.remove('ent-sync-cache');
  expect(await token(SECRET_2)).toBe(401);
});

test('a change made by another process reaches this one within CLIENT_CACHE_TTL_MS', async () => {
  await ts.server.oidc.clients.save(service(SECRET_1));
  expect(await token(SECRET_1)).toBe(200);
  // What the CLI does: its own store on the same database.
  const cli = new ClientStore(ts.server.db, ts.config, await clientValidator(ts.config));
  await cli.save(service(SECRET_2));
  expect(await token(SECRET_1)).toBe(200); // the documented delay
  const now = Date.now();
  jest.spyOn(Date, 'now').mockReturnValue(now + CLIENT_CACHE_TTL_MS + 1);
  expect((await ts.server.oidc.clients.metadata('ent-sync-cache'))?.client_secret).toBe(SECRET_2);
  jest.restoreAllMocks();
  expect(await token(SECRET_1)).toBe(401);
  expect(await token(SECRET_2)).toBe(200);
  await cli.remove('ent-sync-cache');
  jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 3 * CLIENT_CACHE_TTL_MS); // past the entry read above
  expect(await ts.server.oidc.clients.metadata('ent-sync-cache')).toBeUndefined();
});
