// The bundled list of common passwords (see README.md beside it for source and license),
// loaded once into a Set of lowercased NFC strings.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILE = 'common-passwords.txt';
let cached: ReadonlySet<string> | undefined;

/** The folder holding package.json, walking up from this module (works from src/ and dist/src/). */
function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

function commonPasswordsPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, FILE), join(projectRoot(here), 'src', 'domain', 'passwords', FILE)];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`common password list not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function commonPasswords(): ReadonlySet<string> {
  if (!cached) {
    const lines = readFileSync(commonPasswordsPath(), 'utf8').split(/\r?\n/);
    cached = new Set(lines.filter((l) => l.length > 0).map((l) => l.normalize('NFC').toLowerCase()));
  }
  return cached;
}
