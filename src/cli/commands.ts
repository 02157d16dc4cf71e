// The `ent-idp` command registry. Each command lives in its own file under commands/ and
// registers itself on import; src/cli/index.ts imports those files, one line each.
//
// A command declares its options (node:util parseArgs syntax); the entry point parses the
// arguments strictly, so a command's `run` only sees known options. Errors: throw a
// UsageError (exit 2) for bad arguments, a CliError (exit 1) for a failure; ConfigError,
// DatabaseUnavailableError and domain errors are failures too. Anything else is reported as
// unexpected.
import type { ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../config/index.js';
import { openDatabase, type Database, type OpenOptions } from '../db/index.js';
import type { DomainError } from '../domain/errors.js';
import { toAppError } from '../http/errors.js';
import { createLogger, type Logger } from '../logger.js';
import { terminalSafe } from './terminal.js';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface CommandArgs {
  /** Options by long name: string, boolean, or arrays of them for `multiple` options. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Arguments after the command name that are not options (e.g. `add` in `client add`). */
  positionals: string[];
}

export interface CommandContext {
  /** The settings, loaded once (environment > config/*.json > defaults). */
  config(): Config;
  /** Opens the database named by DATABASE_URL; migrated unless `{ migrate: false }`. Close it. */
  openDatabase(options?: OpenOptions): Promise<Database>;
  /** A logger on stderr, `warn` unless LOG_LEVEL is set, so stdout stays the command's output. */
  logger(): Logger;
  /** Writes one line (a newline is added) to stdout, control characters escaped (terminal.ts). */
  print(line?: string): void;
  /** The same on stderr: problems listed beside a failure (an import's lines in error). */
  printError(line: string): void;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  /** Arguments after the name, e.g. `<login> [--kind activation|renewal]`. */
  usage: string;
  /** One line shown by `ent-idp help`. */
  summary: string;
  /** Longer text shown by `ent-idp help <name>` (optional). */
  description?: string;
  options?: OptionsConfig;
  /** Returns the exit code (0 when omitted). */
  run(args: CommandArgs, ctx: CommandContext): Promise<number | void> | number | void;
}

/** Bad arguments: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command could not do its job: exit code 1, the message is the one line shown. */
export class CliError extends Error {
  override name = 'CliError';
}

/** A domain error as `<command>: <message>`: the message the page and the API show for it. */
export function refusal(command: string, err: DomainError): CliError {
  return new CliError(`${command}: ${toAppError(err).publicMessage}`);
}

const registry = new Map<string, Command>();

/** A repeatable option's values, each possibly comma-separated: `--scope a --scope b,c` → a, b, c. */
export const listOption = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim())
    .filter(Boolean);

export function registerCommand(command: Command): void {
  if (registry.has(command.name)) throw new Error(`command ${command.name} registered twice`);
  registry.set(command.name, command);
}

export function findCommand(name: string): Command | undefined {
  return registry.get(name);
}

export function listCommands(): Command[] {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function createContext(env: NodeJS.ProcessEnv = process.env): CommandContext {
  let config: Config | undefined;
  let logger: Logger | undefined;
  const ctx: CommandContext = {
    env,
    config: () => (config ??= loadConfig({ env })),
    openDatabase: (options) => openDatabase(ctx.config().database, options),
    logger: () => (logger ??= createLogger(env.LOG_LEVEL ? ctx.config().logLevel : 'warn', process.stderr)),
    print: (line = '') => void process.stdout.write(`${terminalSafe(line)}\n`),
    printError: (line) => void process.stderr.write(`${terminalSafe(line)}\n`),
  };
  return ctx;
}
