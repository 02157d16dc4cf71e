// Server-rendered pages: one nunjucks environment over views/, autoescaping everything.
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import nunjucks from 'nunjucks';
import views from 'koa-views';
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

/**
 * koa-views' `ctx.render(name, locals)` over the nunjucks environment: `ctx.state` and `locals`
 * merged, the page as the HTML body. Its default engine (consolidate) reads and compiles the
 * file again on every render; ours renders by name from the environment's cache (compiled
 * once). The name is passed with its extension so koa-views resolves it with one `stat`, not a
 * failed one first (issue #22: each lookup showed in the sign-in profile).
 */
export function viewsMiddleware(env: nunjucks.Environment): Middleware {
  const engineSource = {
    njk: (file: string, state: object) =>
      new Promise<string>((resolve, reject) =>
        env.render(relative(VIEWS_DIR, file), state, (err, html) => (err ? reject(err) : resolve(html ?? ''))),
      ),
  };
  const koaViews = views(VIEWS_DIR, { extension: 'njk', engineSource });
  return (ctx, next) =>
    koaViews(ctx, () => {
      const render = ctx.render;
      ctx.render = (name, locals) => render(`${name}.njk`, locals);
      return next();
    });
}
