// Who may introspect a token (src/oidc/configuration.ts, mayIntrospect): the client it was
// issued to and declared resource servers; any other client learns nothing ({ active: false }).
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { client, registerClient, signIn, type RegisteredClient } from '../../helpers/oidc.js';
import { seedChild, CHILD_PASSWORD as PASSWORD } from '../../helpers/school.js';

let ts: TestServer;
let appA: RegisteredClient;
let appB: RegisteredClient;
let resourceServer: RegisteredClient;
let tokens: Awaited<ReturnType<typeof signIn>>['tokens'];

beforeAll(async () => {
  ts = await startTestServer();
  await seedChild(ts.server.db);
  appA = await registerClient(ts, { clientId: 'ent-cahier' });
  appB = await registerClient(ts, { clientId: 'ent-autre' });
  resourceServer = await registerClient(ts, {
    clientId: 'ent-api-notes',
    resourceServer: true,
    grantTypes: ['client_credentials'],
    scopes: ['openid'],
  });
  tokens = (await signIn(appA, 'enfant.test', PASSWORD, { params: { scope: 'openid profile offline_access' } })).tokens;
});

afterAll(async () => {
  await ts?.stop();
});

describe('token introspection', () => {
  it('answers { active: false } to another confidential client', async () => {
    expect(await client.tokenIntrospection(appB.config, tokens.access_token)).toEqual({ active: false });
    expect(await client.tokenIntrospection(appB.config, tokens.refresh_token!)).toEqual({ active: false });
  });

  it('answers the client the token was issued to', async () => {
    expect(await client.tokenIntrospection(appA.config, tokens.access_token)).toMatchObject({
      active: true,
      client_id: 'ent-cahier',
    });
    expect(await client.tokenIntrospection(appA.config, tokens.refresh_token!)).toMatchObject({
      active: true,
      client_id: 'ent-cahier',
    });
  });

  it('answers a declared resource server for access tokens, never for refresh tokens', async () => {
    const answer = await client.tokenIntrospection(resourceServer.config, tokens.access_token);
    expect(answer).toMatchObject({ active: true, client_id: 'ent-cahier', scope: expect.stringContaining('openid') });
    expect(answer.sub).toBeTruthy();
    expect(await client.tokenIntrospection(resourceServer.config, tokens.refresh_token!)).toEqual({ active: false });
  });

  it('refuses to declare a public client as a resource server', async () => {
    await expect(
      ts.server.oidc.clients.save({
        clientId: 'ent-public-rs',
        name: 'RS publique',
        type: 'public',
        redirectUris: ['https://app.example.test/cb'],
        resourceServer: true,
      }),
    ).rejects.toMatchObject({
      publicMessage: expect.stringMatching(/resource server must be a confidential client/),
    });
  });
});
