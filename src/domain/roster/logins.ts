// Identifiants made from names: `prenom.nom`, accents stripped, lowercase, anything but
// letters removed (« Éloïse D'Arc-Lefèvre » → eloise.darclefevre), then a numeric suffix
// from 2 on when the identifiant is taken (jean.martin, jean.martin2, …).

const LIGATURES: Record<string, string> = { œ: 'oe', æ: 'ae', ß: 'ss', ø: 'o', đ: 'd', ł: 'l' };

/** Lowercase ASCII letters only. */
export function foldName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[œæßøđł]/g, (c) => LIGATURES[c] ?? c)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z]/g, '');
}

/** Identifiants are at most 100 characters; the base leaves room for a suffix. */
const BASE_MAX = 90;

export function loginBase(firstName: string, lastName: string): string {
  const first = foldName(firstName) || 'compte';
  const last = foldName(lastName) || 'ent';
  return `${first}.${last}`.slice(0, BASE_MAX);
}

/**
 * Picks identifiants unique among `taken` (which it extends): the base, then base2, base3…
 * `taken` holds every identifiant already in the database that could collide.
 */
export function allocateLogin(base: string, taken: Set<string>): string {
  let login = base;
  for (let n = 2; taken.has(login); n++) login = `${base}${n}`;
  taken.add(login);
  return login;
}
