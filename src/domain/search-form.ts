// The one folding of names for « Recherche par nom ou prénom »: the stored columns
// searchFirstName/searchLastName (roster import, demo seed, test factories, bench) and the
// typed query go through it, so they always compare alike. A name typed or imported with two
// spaces, a tab or a no-break space is found: every run of white space becomes one space.

/** Decomposed, marks stripped, lowercase, white space collapsed and trimmed. */
export function searchForm(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
