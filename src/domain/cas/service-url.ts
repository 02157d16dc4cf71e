// Which service URLs a registered prefix admits: the one rule, used by /cas/login, /cas/logout
// and the registry. URLs are parsed (WHATWG, as browsers do), never compared as strings or
// regular expressions: the scheme, host and port must be equal, and the path must be the
// prefix's path or lie under it (segment by segment: `/pronote` admits `/pronote/eleve.html`,
// not `/pronote-pirate`). Queries and fragments of the prefix are ignored. A URL with a user
// name or password (`https://ecole.fr@pirate.example/`) is never a service.

const SCHEMES = new Set(['https:', 'http:']);
/** Longer service URLs are refused outright (they are stored and echoed). */
export const MAX_SERVICE_URL_LENGTH = 2048;

/** The URL if it can be a service address at all (http(s), no credentials), else null. */
export function parseServiceUrl(value: string): URL | null {
  if (value.length > MAX_SERVICE_URL_LENGTH || !URL.canParse(value)) return null;
  const url = new URL(value);
  if (!SCHEMES.has(url.protocol) || url.username || url.password || !url.hostname) return null;
  return url;
}

export function serviceMatchesPrefix(service: string, prefix: string): boolean {
  const candidate = parseServiceUrl(service);
  const base = parseServiceUrl(prefix);
  if (!candidate || !base) return false;
  if (candidate.protocol !== base.protocol || candidate.hostname !== base.hostname || candidate.port !== base.port)
    return false;
  const root = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return candidate.pathname === base.pathname || candidate.pathname.startsWith(root);
}
