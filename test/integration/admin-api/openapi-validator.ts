// Checks HTTP responses against the served OpenAPI 3.1 document: the status code is
// documented for the operation, the media type is documented, and JSON bodies validate
// against the operation's JSON Schema (Ajv, draft 2020-12, with formats).
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

type Json = Record<string, unknown>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export class OpenApiValidator {
  private ajv = new Ajv2020({ strict: false, allErrors: true });
  private compiled = new Map<string, ValidateFunction>();
  /** "METHOD /path status" seen, to tell which operations the suite exercised. */
  readonly seen = new Set<string>();

  constructor(
    readonly doc: Json,
    private readonly base: string,
  ) {
    addFormats(this.ajv);
  }

  private resolve(schema: Json): Json {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    return ref
      .slice(2)
      .split('/')
      .reduce<Json>((node, key) => node[key] as Json, this.doc);
  }

  /** The operation template matching a concrete URL path, e.g. /v1/classes/{classId}/accounts. */
  match(pathname: string): string | undefined {
    const rel = pathname.startsWith(this.base) ? pathname.slice(this.base.length) : pathname;
    return Object.keys(this.doc.paths as Json).find((template) =>
      new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(rel),
    );
  }

  /** Throws with a readable message when the response does not match the document. */
  check(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
    const pathname = new URL(url).pathname;
    const template = this.match(pathname);
    if (!template) throw new Error(`OpenAPI: no path for ${pathname}`);
    const op = (this.doc.paths as Record<string, Json>)[template]![method.toLowerCase()] as Json | undefined;
    if (!op) throw new Error(`OpenAPI: ${method} ${template} not documented`);
    const response = (op.responses as Record<string, Json>)[String(status)];
    if (!response)
      throw new Error(
        `OpenAPI: status ${status} not documented for ${method} ${template} (body ${JSON.stringify(body).slice(0, 300)})`,
      );
    this.seen.add(`${method.toUpperCase()} ${template} ${status}`);
    const content = (response.content ?? {}) as Record<string, Json>;
    const type = (contentType ?? '').split(';')[0]!.trim();
    const media = content[type];
    if (!media) throw new Error(`OpenAPI: media type ${type} not documented for ${method} ${template} ${status}`);
    if (!type.endsWith('json')) return;
    const key = `${method} ${template} ${status} ${type}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(this.resolve(media.schema as Json));
      this.compiled.set(key, validate);
    }
    if (!validate(body)) {
      throw new Error(
        `OpenAPI: body of ${method} ${template} ${status} does not match: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
      );
    }
  }
}
