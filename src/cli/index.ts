#!/usr/bin/env node
// The `ent-idp` command (`npm run cli -- <command>` in a checkout). Each command registers
// itself from its own file: add one import line below per command file.
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/index.js';
import { DatabaseUnavailableError } from '../db/index.js';
import { DomainError } from '../domain/errors.js';
import { toAppError } from '../http/errors.js';
import { terminalSafe } from './terminal.js';
import { CliError, createContext, findCommand, UsageError, type CommandArgs } from './commands.js';
import './commands/help.js';
import './commands/migrate.js';
import './commands/client.js';
import './commands/keys.js';
import './commands/demo.js';
import './commands/code.js';
import './commands/account.js';
import './commands/purge.js';
import './commands/import.js';
import './commands/service.js';
import './commands/import-aaf.js';
import './commands/export-account.js';
import './commands/rollover.js';
import './commands/terms.js';

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) throw new UsageError('missing command (try: ent-idp help)');
  if (name === '--help' || name === '-h') return run('help', rest);
  if (name.startsWith('-')) throw new UsageError(`unknown option "${name}" (try: ent-idp help)`);
  if (rest.includes('--help') || rest.includes('-h')) return run('help', [name]);
  return run(name, rest);
}

async function run(name: string, args: string[]): Promise<number> {
  const command = findCommand(name);
  if (!command) throw new UsageError(`unknown command "${name}" (try: ent-idp help)`);
  let parsed: CommandArgs;
  try {
    const { values, positionals } = parseArgs({
      args,
      options: command.options ?? {},
      strict: true,
      allowPositionals: true,
    });
    parsed = { values: values as CommandArgs['values'], positionals };
  } catch (err) {
    // parseArgs explains at length; its first sentence is the reason.
    const reason = (err as Error).message.split('\n')[0]?.split(/\.\s/)[0];
    throw new UsageError(`${name}: ${reason} (try: ent-idp help ${name})`);
  }
  return (await command.run(parsed, createContext())) ?? 0;
}

function exitCodeFor(err: unknown): number {
  return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
}

function messageFor(err: unknown): string {
  const known =
    err instanceof UsageError ||
    err instanceof CliError ||
    err instanceof ConfigError ||
    err instanceof DatabaseUnavailableError;
  const message = (err as Error)?.message ?? String(err);
  // A domain error a command let through says what the page and the API would say.
  const line =
    err instanceof DomainError ? toAppError(err).publicMessage : known ? message : `unexpected error: ${message}`;
  return line.split('\n')[0] ?? '';
}

/** Exits once stdout has been flushed (a pipe would otherwise lose the last lines). */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  process.stderr.write(`ent-idp: ${terminalSafe(messageFor(err))}\n`, () => exit(exitCodeFor(err)));
});
