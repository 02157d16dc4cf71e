// `ent-idp help [command]`: the list of commands, or one command's usage and options.
import { findCommand, listCommands, registerCommand, UsageError, type Command } from '../commands.js';

export function usageLine(command: Command): string {
  return `ent-idp ${command.name}${command.usage ? ` ${command.usage}` : ''}`;
}

registerCommand({
  name: 'help',
  usage: '[command]',
  summary: 'show the commands, or how to use one',
  run({ positionals }, ctx) {
    const [name] = positionals;
    if (name) {
      const command = findCommand(name);
      if (!command) throw new UsageError(`unknown command "${name}" (try: ent-idp help)`);
      ctx.print(`usage: ${usageLine(command)}`);
      ctx.print();
      ctx.print(command.description ?? command.summary);
      const options = Object.entries(command.options ?? {});
      if (options.length) {
        ctx.print();
        ctx.print('options:');
        for (const [long, option] of options) {
          const short = option.short ? `-${option.short}, ` : '    ';
          ctx.print(`  ${short}--${long}${option.type === 'string' ? ' <value>' : ''}`);
        }
      }
      return;
    }
    ctx.print('usage: ent-idp <command> [options]   (in a checkout: npm run cli -- <command>)');
    ctx.print();
    ctx.print('commands:');
    const commands = listCommands();
    const width = Math.max(...commands.map((c) => c.name.length));
    for (const command of commands) ctx.print(`  ${command.name.padEnd(width)}  ${command.summary}`);
    ctx.print();
    ctx.print('The commands read the same settings as the server (DATABASE_URL, config/*.json).');
    ctx.print('ent-idp help <command> shows how to use one.');
  },
});
