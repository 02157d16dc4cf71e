// Reading one AAF file as a stream of records, never the whole file in memory: sax in strict
// mode, fed 64 KiB at a time. The national directory's layout (as read by ENT feeders):
//
//   <ficAlimMENESR>
//     <addRequest>                       a full record (full export, or a delta's new person)
//       <operationalAttributes>…</operationalAttributes>          (ignored)
//       <identifier><id>1234</id></identifier>
//       <attributes><attr name="sn"><value>DUPONT</value></attr>…</attributes>
//     </addRequest>
//     <modifyRequest>                    a delta: only the attributes that change
//       <identifier><id>1234</id></identifier>
//       <modifications>
//         <modification operation="replace|add|delete"><valsModif name="…"><value>…</value></valsModif></modification>
//       </modifications>
//     </modifyRequest>
//     <deleteRequest><identifier><id>1234</id></identifier></deleteRequest>
//   </ficAlimMENESR>
//
// Refused outright, naming the file, record and line: a DOCTYPE (entity declarations are
// how XXE and « billion laughs » attacks start; sax expands none, and strict mode rejects an
// undeclared `&entity;`), any other element where a record belongs, a value longer than
// MAX_VALUE (a 50 MB value is refused after 4 KiB, not buffered).
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import sax from 'sax';
import { flat } from '../../flat-string.js';

export type Operation = 'add' | 'modify' | 'delete';
export type ModificationKind = 'replace' | 'add' | 'delete';

export interface Modification {
  operation: ModificationKind;
  name: string;
  values: string[];
}

export interface AafRecord {
  /** `file.xml:record 3 (line 42)`: where every error about it points. */
  origin: string;
  operation: Operation;
  /** The identifier's `<id>`, or null when the record has none. */
  id: string | null;
  /** addRequest: attribute name → values. */
  attributes: Map<string, string[]>;
  /** modifyRequest: in file order. */
  modifications: Modification[];
}

/** One thing wrong, at a place in a file. */
export interface AafError {
  at: string;
  message: string;
}

/** Longest value kept (a name, a class, an id): anything longer is refused while streaming. */
export const MAX_VALUE = 4096;

const REQUESTS: Record<string, Operation> = { addRequest: 'add', modifyRequest: 'modify', deleteRequest: 'delete' };
const MODIFICATIONS = new Set<string>(['replace', 'add', 'delete']);

class Refused extends Error {}

/**
 * What is kept for the whole import is copied out of sax's 64 KiB chunks: a kept slice would
 * keep its chunk, so the whole file, alive (flat-string.ts).
 */
export const own = flat;

/** Calls `onRecord` for each record of `path`, in order; throws an AafError-carrying error on the first problem. */
export async function readAafFile(path: string, onRecord: (record: AafRecord) => void): Promise<void> {
  const file = basename(path);
  const parser = sax.parser(true, { trim: false, normalize: false, position: true });
  const stack: string[] = [];
  let count = 0;
  let record: AafRecord | null = null;
  let startLine = 0;
  let attrName: string | null = null;
  let modification: Modification | null = null;
  let text: string | null = null;
  const where = () => (record ? `${file}:record ${count} (line ${startLine})` : `${file}:line ${parser.line + 1}`);
  const refuse = (message: string): never => {
    throw new Refused(message);
  };

  let sawRoot = false;
  // sax would otherwise note the error and go on parsing; stop at the first one.
  parser.onerror = (err) => {
    throw err;
  };
  parser.ondoctype = () => refuse('a DOCTYPE is not allowed (no DTD, no entity declarations)');
  parser.onprocessinginstruction = (pi) => {
    if (pi.name !== 'xml') refuse(`processing instruction <?${pi.name}?> is not allowed`);
  };
  parser.onopentag = (node) => {
    const parent = stack[stack.length - 1];
    const name = node.name;
    stack.push(name);
    if (stack.length === 1) {
      if (name !== 'ficAlimMENESR') refuse(`the root element is <${name}>, not <ficAlimMENESR>`);
      sawRoot = true;
      return;
    }
    if (stack.length === 2) {
      const operation = REQUESTS[name];
      if (!operation) refuse(`<${name}> where addRequest, modifyRequest or deleteRequest was expected`);
      count++;
      startLine = parser.line + 1;
      record = { origin: '', operation: operation!, id: null, attributes: new Map(), modifications: [] };
      record.origin = own(where());
      return;
    }
    const attribute = (key: string) => {
      const value = node.attributes[key];
      return typeof value === 'string' ? value : null;
    };
    if (name === 'attr' || name === 'valsModif') {
      attrName = attribute('name');
      if (!attrName) refuse(`<${name}> without a name`);
      if (parent === 'modification' && modification) modification.name = attrName!;
    } else if (name === 'modification') {
      const operation = attribute('operation') ?? '';
      if (!MODIFICATIONS.has(operation)) refuse(`modification operation "${operation}" is not replace, add or delete`);
      modification = { operation: operation as ModificationKind, name: '', values: [] };
    } else if (name === 'value' || name === 'id') {
      text = '';
    }
  };
  parser.ontext = (chunk) => {
    if (text === null) return;
    text += chunk;
    if (text.length > MAX_VALUE) refuse(`a value is longer than ${MAX_VALUE} characters`);
  };
  parser.oncdata = parser.ontext;
  parser.onclosetag = (name) => {
    stack.pop();
    if (!record) return;
    if (name === 'id' && stack[stack.length - 1] === 'identifier') {
      record.id = own((text ?? '').trim()) || null;
    } else if (name === 'value') {
      const value = (text ?? '').trim();
      if (modification) modification.values.push(value);
      else if (attrName) {
        const values = record.attributes.get(attrName) ?? [];
        values.push(value);
        record.attributes.set(attrName, values);
      }
    } else if (name === 'attr' || name === 'valsModif') {
      if (!modification && attrName && !record.attributes.has(attrName)) record.attributes.set(attrName, []);
      attrName = null;
    } else if (name === 'modification') {
      if (modification) record.modifications.push(modification);
      modification = null;
    } else if (stack.length === 1) {
      onRecord(record);
      record = null;
    }
    if (name === 'value' || name === 'id') text = null;
  };

  try {
    const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 });
    try {
      for await (const chunk of stream) parser.write(chunk as string);
      parser.close();
    } finally {
      stream.destroy();
    }
    if (!sawRoot) refuse('no <ficAlimMENESR> element: the file is empty or not AAF');
  } catch (err) {
    if (err instanceof AafFileRefused) throw err;
    if (err instanceof Refused) throw new AafFileRefused({ at: where(), message: err.message });
    if ((err as NodeJS.ErrnoException).code)
      throw new AafFileRefused({ at: file, message: `cannot read (${(err as NodeJS.ErrnoException).code})` });
    // sax's messages run over several lines (Line/Column/Char): the first says what.
    const message = (err as Error).message.split('\n')[0] ?? 'unreadable';
    throw new AafFileRefused({ at: where(), message: `malformed XML: ${message}` });
  }
}

/** Thrown by readAafFile: the file cannot be read as AAF. */
export class AafFileRefused extends Error {
  constructor(readonly error: AafError) {
    super(`${error.at}: ${error.message}`);
  }
}
