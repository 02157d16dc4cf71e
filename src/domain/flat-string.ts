// Strings an import keeps by the hundred thousand, made to hold only their own characters.
// V8 keeps a concatenation as a rope of its pieces and a slice as a view of the whole string
// it was cut from, until something flattens them: randomUUID() joins 20 pieces (~470 bytes a
// UUID, against 56 flat: 47 MB for an académie's 100,000 new accounts), and a value sax cuts
// from its 64 KiB chunk would keep the chunk alive.
import { randomUUID } from 'node:crypto';

/** Strings this short are never ropes nor slices in V8 (ConsString/SlicedString::kMinLength). */
const SHORT = 13;

/** `value`'s characters in one string of their own. */
export function flat(value: string): string {
  return value.length < SHORT ? value : Buffer.from(value, 'utf8').toString('utf8');
}

/** A random UUID as one flat string. */
export const newId = (): string => flat(randomUUID());
