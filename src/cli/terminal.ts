// What the CLI writes reaches a terminal, and some of it was written by others: an SP's
// entity id from its metadata, a refusal reason quoting it, names from a roster, a client's
// name. Control characters in it could move the cursor, rewrite lines already printed, set
// the window title or hide text; bidirectional overrides could reorder what is read. They
// are shown escaped instead (`\x1b`, `\u202e`); tab and newline, which the output uses, stay.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
