// Server-rendered pages: one nunjucks environment over views/, autoescaping everything.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import nunjucks from 'nunjucks';
import type { Middleware } from 'koa';

/** views/ at the project root, whether running from src/ (tests, tsx) or dist/src/. */
const VIEWS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  ...(import.meta.url.includes('/dist/') ? ['..', '..', '..'] : ['..', '..']),
  'views',
);
/** The accessibility statement (src/interactions/entry.ts serves it). */
export const ACCESSIBILITY_PATH = '/accessibilite';
export const PUBLIC_DIR = join(VIEWS_DIR, '..', 'public');

/**
 * `accessibilityHref`: the provider's « Déclaration d'accessibilité », linked from every page's
 * footer as RGAA asks (absolute when the page is served from another origin: the admin app or
 * the demo application run alone).
 */
export function createNunjucks(options: { accessibilityHref?: string } = {}): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS_DIR, { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
  });
  env.addGlobal('accessibilityHref', options.accessibilityHref ?? ACCESSIBILITY_PATH);
  env.addFilter('frDate', (iso: string | null | undefined) => {
    if (!iso) return '';
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
    return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
  });
  return env;
}

declare module 'koa' {
  interface ExtendableContext {
    /** Renders `views/<name>.njk` with `ctx.state` and `locals` as the HTML body. */
    render(name: string, locals?: Record<string, unknown>): Promise<void>;
  }
}

/**
 * `ctx.render(name, locals)`: the nunjucks template `views/<name>.njk`, rendered by name from
 * the environment's cache (compiled once), with `ctx.state` and `locals` merged as koa-views
 * merged them, as the HTML body. It replaced koa-views, whose engine compiled the file again
 * on every render (consolidate's `renderString`) and which, rendering by name, still looked
 * the file up with a `stat` on every page (issue #22, BENCHMARKS.md).
 */
export function viewsMiddleware(env: nunjucks.Environment): Middleware {
  return (ctx, next) => {
    ctx.render = (name, locals = {}) =>
      new Promise<void>((resolve, reject) =>
        env.render(`${name}.njk`, { ...ctx.state, ...locals }, (err, html) => {
          if (err) return reject(err);
          ctx.type = 'text/html';
          ctx.body = html ?? '';
          resolve();
        }),
      );
    return next();
  };
}
