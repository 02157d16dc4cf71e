// Server-rendered pages: one nunjucks environment over views/, autoescaping everything.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import nunjucks from 'nunjucks';
import views from 'koa-views';
import type { Middleware } from 'koa';

/** views/ at the project root, whether running from src/ (tests, tsx) or dist/src/. */
export const VIEWS_DIR = join(dirname(fileURLToPath(import.meta.url)), ...(import.meta.url.includes('/dist/') ? ['..', '..', '..'] : ['..', '..']), 'views');
export const PUBLIC_DIR = join(VIEWS_DIR, '..', 'public');

export function createNunjucks(): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS_DIR, { noCache: false }), { autoescape: true, throwOnUndefined: false });
  env.addFilter('frDate', (iso: string | null | undefined) => {
    if (!iso) return '';
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
    return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
  });
  return env;
}

export function viewsMiddleware(env: nunjucks.Environment): Middleware {
  return views(VIEWS_DIR, { extension: 'njk', map: { njk: 'nunjucks' }, options: { nunjucksEnv: env } }) as unknown as Middleware;
}
