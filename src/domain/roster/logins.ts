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
 * `taken` holds every identifiant already in the database that could collide. `next`
 * remembers, per base, the suffix to try next: `taken` only grows, so every smaller suffix
 * is still taken and the answer is the same as counting from 2 again, without walking the
 * whole series for each of the thousands of « lea.martin » an académie may hold (an import
 * of N namesakes was N²/2 lookups).
 */
export function allocateLogin(base: string, taken: Set<string>, next = new Map<string, number>()): string {
  let login = base;
  let n = next.get(base) ?? 2;
  if (taken.has(login)) for (login = `${base}${n}`; taken.has(login);) login = `${base}${++n}`;
  if (login !== base) next.set(base, n + 1);
  taken.add(login);
  return login;
}
