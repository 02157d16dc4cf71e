// « Recherche par nom ou prénom »: the query folded like the searchLastName/searchFirstName
// columns (searchForm), and a prefix condition over them.
import type { SelectQueryBuilder, ObjectLiteral } from 'typeorm';
import { searchForm } from '../search-form.js';

// `!` as the LIKE escape: a backslash means different things in SQLite and MySQL literals.
const escapeLike = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

/**
 * Adds the search to `query` (alias `a`): one word is a prefix of the last or first name;
 * several words are also « prénom nom » or « nom prénom » (first word a prefix of one, the
 * rest a prefix of the other), or a prefix of a compound name (« de la tour »).
 */
export function applySearch<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  q: string | undefined,
): SelectQueryBuilder<T> {
  const folded = searchForm(q ?? '');
  if (!folded) return query;
  const words = folded.split(' ');
  const like = (s: string) => `${escapeLike(s)}%`;
  const whole = "(a.searchLastName LIKE :qWhole ESCAPE '!' OR a.searchFirstName LIKE :qWhole ESCAPE '!')";
  if (words.length === 1) return query.andWhere(whole, { qWhole: like(folded) });
  const head = words[0]!;
  const rest = words.slice(1).join(' ');
  return query.andWhere(
    `(${whole}
      OR (a.searchFirstName LIKE :qHead ESCAPE '!' AND a.searchLastName LIKE :qRest ESCAPE '!')
      OR (a.searchLastName LIKE :qHead ESCAPE '!' AND a.searchFirstName LIKE :qRest ESCAPE '!'))`,
    { qWhole: like(folded), qHead: like(head), qRest: like(rest) },
  );
}
