// The README's configuration table is generated from src/config/settings.ts; this fails when
// a setting was added or changed without regenerating it.
import { readFileSync } from 'node:fs';
import { settings, type Setting } from '../../src/config/settings.js';
import { configTable, extractTable, replaceTable } from '../../scripts/config-table.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README configuration table', () => {
  it('is up to date (regenerate: npx tsx scripts/config-table.ts --write)', () => {
    expect(extractTable(readme)).toBe(configTable());
  });

  it('lists every setting once and never shows a development secret', () => {
    const table = configTable();
    for (const [name, setting] of Object.entries(settings as Record<string, Setting>)) {
      expect(table.split('\n').filter((row) => row.startsWith(`| \`${name}\` |`))).toHaveLength(1);
      if (setting.devSecret) expect(table).not.toContain(String(setting.default));
    }
  });

  it('replaces only what lies between the markers', () => {
    const text = 'before\n<!-- config-table:start -->\nold\n<!-- config-table:end -->\nafter\n';
    expect(replaceTable(text)).toBe(
      `before\n<!-- config-table:start -->\n${configTable()}\n<!-- config-table:end -->\nafter\n`,
    );
  });
});
