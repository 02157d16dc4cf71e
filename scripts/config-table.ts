// Prints the README's configuration table, generated from src/config/settings.ts:
//   npx tsx scripts/config-table.ts           print the Markdown table
//   npx tsx scripts/config-table.ts --write   replace it in README.md, between the markers
// test/unit/config-table.test.ts fails when the README's copy is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { settings, type Setting } from '../src/config/settings.js';

export const START = '<!-- config-table:start -->';
export const END = '<!-- config-table:end -->';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function defaultCell(setting: Setting): string {
  if (setting.devSecret) return '(development only)';
  if (setting.default === undefined) return '(unset)';
  return `\`${cell(String(setting.default))}\``;
}

export function configTable(): string {
  const rows = Object.entries(settings as Record<string, Setting>).map(
    ([name, setting]) => `| \`${name}\` | ${defaultCell(setting)} | ${cell(setting.doc)} |`,
  );
  return ['| Setting | Default | Description |', '|---|---|---|', ...rows].join('\n');
}

/** The table currently between the markers of a README's text, or null without markers. */
export function extractTable(readme: string): string | null {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return null;
  return readme.slice(start + START.length, end).trim();
}

export function replaceTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${configTable()}\n${readme.slice(end)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--write')) {
    const path = fileURLToPath(new URL('../README.md', import.meta.url));
    writeFileSync(path, replaceTable(readFileSync(path, 'utf8')));
    process.stdout.write('README.md: configuration table updated\n');
  } else {
    process.stdout.write(`${configTable()}\n`);
  }
}
