// The one base of the domain's errors. A domain error says what went wrong in the domain's
// terms — its kind, a stable code, the message to show — and nothing about HTTP: the kind
// becomes a status in one table (src/http/errors.ts, `toAppError`), which also gives the CLI
// its line. Subclasses keep their own names so call sites read well (`throw new AdminNotFound()`).

/** What went wrong; src/http/errors.ts maps each kind to one HTTP status. */
export type ErrorKind =
  /** Does not exist, or the actor may not see it: the same answer (no enumeration). */
  | 'not_found'
  /** Understood and allowed, but cannot be carried out (blocking oneself). */
  | 'refused'
  /** The input is wrong (a roster line, a client declaration). */
  | 'invalid'
  /** The input clashes with what is stored. */
  | 'conflict'
  /** Something the domain needs is out of reach for now: retrying may work. */
  | 'unavailable';

/** An invalid field of a request (the admin API's `errors`). */
export interface FieldError {
  field: string;
  message: string;
}

/** An invalid line of an imported file. */
export interface LineError {
  line: number;
  message: string;
}

export type DetailedError = FieldError | LineError;

export class DomainError extends Error {
  override name = 'DomainError';
  /** Logged, never shown to a user (an operator at the server may read it in the logs). */
  readonly detail?: string;
  /** Each invalid field or line, when there are several. */
  readonly errors?: readonly DetailedError[];

  constructor(
    readonly kind: ErrorKind,
    /** Stable, for programs (problem+json `code`). */
    readonly code: string,
    /**
     * Safe to show to whoever asked. French for what a user can meet on a page or the API;
     * the errors only an operator meets (ent-idp commands) speak English like the rest of
     * the CLI.
     */
    readonly publicMessage: string,
    options: { detail?: string; errors?: readonly DetailedError[] } = {},
  ) {
    super(options.detail ?? publicMessage);
    this.detail = options.detail;
    this.errors = options.errors;
  }
}
