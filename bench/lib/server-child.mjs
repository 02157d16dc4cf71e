// Child process: one ent-idp server from the compiled dist/ (what `npm start` runs),
// configured from its environment (loadConfig → createServer → listen on 127.0.0.1).
// Stops on `{ type: 'stop' }`.
// BENCH_DIST names another build to measure (an A/B comparison of a product change: build
// the other tree with `tsc -p tsconfig.build.json` and point BENCH_DIST at its dist/).
import { pathToFileURL } from 'node:url';
import { childMain, nextMessage, reply } from './child.mjs';
import { poolThreads } from './threads.mjs';

const dist = process.env.BENCH_DIST
  ? pathToFileURL(`${process.env.BENCH_DIST.replace(/\/+$/, '')}/`)
  : new URL('../../dist/', import.meta.url);
const { loadConfig } = await import(new URL('src/config/index.js', dist).href);
const { createLogger } = await import(new URL('src/logger.js', dist).href);
const { createServer } = await import(new URL('src/server.js', dist).href);

childMain(async () => {
  const config = loadConfig();
  const server = await createServer(config, { logger: createLogger(config.logLevel) });
  const url = await server.listen(config.port, '127.0.0.1');
  // The pool's threads, so the load generator can count argon2's CPU apart (threads.mjs).
  reply({ type: 'ready', url, pid: process.pid, poolTids: process.env.BENCH_POOL_THREADS ? await poolThreads() : [] });
  await nextMessage('stop');
  await server.close();
  process.exit(0);
});
