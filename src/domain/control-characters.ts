// Control characters — C0, DEL and C1, U+0000–U+001F and U+007F–U+009F: Unicode's Cc — have
// no place in a name, a class or any other text a school sends us. A line break inside a
// quoted CSV cell starts a new line for whatever splits the file on lines (formula
// injection in the connection sheets), an escape sequence repaints the terminal that prints
// an error, a tab is invisible in the error list. The roster import refuses them
// (roster/rows.ts); text stored before that rule is flattened where it is written out as
// CSV (admin/api/connectionSheets/csv.ts).
const CONTROL_CHARACTER = /\p{Cc}/u;
const CONTROL_CHARACTERS = /\p{Cc}/gu;

/** The first control character of `text` as `U+000A`, or null when there is none. */
export function firstControlCharacter(text: string): string | null {
  const found = CONTROL_CHARACTER.exec(text);
  return found ? `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : null;
}

/** `text` with each control character replaced by a space. */
export function withoutControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, ' ');
}
