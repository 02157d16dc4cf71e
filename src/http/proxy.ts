// Which X-Forwarded-For entry is the client. Each proxy appends the address the request came
// from, so only the last PROXY_HOPS entries were written by our proxies; whatever is left of
// them the client wrote itself. Koa's maxIpsCount keeps those last entries and ctx.ip is the
// first kept: the address the outermost trusted proxy saw. Every Koa app (the provider is
// one) gets the same two settings here, so ctx.ip means one thing everywhere.
import type Koa from 'koa';
import type { Config } from '../config/index.js';

export function trustProxies(app: Koa, config: Pick<Config, 'trustProxy' | 'proxyHops'>): void {
  app.proxy = config.trustProxy;
  app.maxIpsCount = config.proxyHops;
}
