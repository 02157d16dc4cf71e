// Builds dist/ with tsc when any source is newer than the last build, so `npm start` works
// on a fresh clone and starts at once on the next run.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const stamp = 'dist/.build-stamp';
const newest = (dir) => {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
};
const sources = Math.max(
  newest('src'),
  newest('migrations'),
  statSync('tsconfig.json').mtimeMs,
  statSync('tsconfig.build.json').mtimeMs,
);
if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  execFileSync(process.execPath, [
    '-e',
    `require('fs').writeFileSync(${JSON.stringify(stamp)}, new Date().toISOString())`,
  ]);
}
