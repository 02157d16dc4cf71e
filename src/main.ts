// `npm start`: load settings, open and migrate the database, serve, stop cleanly on signals.
// Startup failures print one line and exit 1 — no stack trace for an operator to decode.
import { loadConfig, ConfigError } from './config/index.js';
import { DatabaseUnavailableError } from './db/index.js';
import { createLogger } from './logger.js';
import { createServer } from './server.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const server = await createServer(config, { logger });
  if (config.demo) {
    const { seedDemoIfEmpty } = await import('./cli/demo.js');
    const summary = await seedDemoIfEmpty(server.domain, config);
    if (summary) process.stdout.write(summary);
  }
  const url = await server.listen();
  logger.info({ url, issuer: config.issuer }, 'ent-idp listening');
  process.stdout.write(`ent-idp: serving ${config.issuer} (listening on ${url})\n`);
  if (config.demo)
    process.stdout.write(
      `         open ${config.issuer}/admin (teacher) or ${config.issuer}/demo-app (ENT application)\n`,
    );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof DatabaseUnavailableError;
  const message = known ? (err as Error).message : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
  process.stderr.write(`ent-idp: ${message.split('\n')[0]}\n`);
  process.exit(1);
});
