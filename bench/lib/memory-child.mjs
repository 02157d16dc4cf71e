// Child process for bench/memory.ts (run with --expose-gc, from the compiled dist/): one
// ent-idp instance given N live sessions and N refresh tokens (each with its grant) through
// the provider's own models — provider.Session / provider.Grant / provider.RefreshToken,
// saved by the TypeORM adapter in-process: the rows a sign-in writes, without paying N
// logins. RSS is read after full GCs at start, once the artifacts are written, and after the
// coordinator has run real token traffic against it.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../dist/src/config/index.js';
import { createLogger } from '../../dist/src/logger.js';
import { createServer } from '../../dist/src/server.js';
import { childMain, nextMessage, reply } from './child.mjs';

function settle() {
  if (!globalThis.gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) globalThis.gc();
  const m = process.memoryUsage();
  return { rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 };
}

childMain(async () => {
  const count = Number(process.argv[2] ?? 10_000);
  const config = loadConfig();
  const server = await createServer(config, { logger: createLogger(config.logLevel) });
  const url = await server.listen(config.port, '127.0.0.1');
  const start = settle();

  const { provider } = server.oidc;
  const client = await provider.Client.find('bench-app');
  if (!client) throw new Error('bench-app not registered');
  const started = performance.now();
  const one = async () => {
    const accountId = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const grant = new provider.Grant({ clientId: client.clientId, accountId });
    grant.addOIDCScope('openid profile');
    const grantId = await grant.save();
    const session = new provider.Session({
      accountId,
      loginTs: now,
      authorizations: { [client.clientId]: { sid: randomUUID(), grantId } },
    });
    await session.save(config.ttl.session);
    const token = new provider.RefreshToken({
      client,
      accountId,
      grantId,
      scope: 'openid profile',
      gty: 'authorization_code',
      sessionUid: session.uid,
      expiresWithSession: true,
      authTime: now,
    });
    await token.save();
  };
  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, one));
  const seconds = (performance.now() - started) / 1000;
  const rows = await server.db.read((server) =>
    server.query('SELECT model, COUNT(*) AS n FROM oidc_artifacts GROUP BY model'),
  );
  const loaded = settle();
  reply({
    type: 'ready',
    url,
    start,
    loaded,
    seconds,
    rows: Object.fromEntries(rows.map((r) => [r.model, Number(r.n)])),
  });

  await nextMessage('measure');
  reply({ type: 'measured', afterTraffic: settle(), peakRssMiB: process.resourceUsage().maxRSS / 1024 });
  await nextMessage('stop');
  await server.close();
  process.exit(0);
});
