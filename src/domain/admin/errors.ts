// Errors of the class admin services. They carry no HTTP status: the admin API maps them
// (AdminNotFound → 404 not_found, AdminRefused → 400), the admin page the same way.

/** An account or class that does not exist or that the actor may not see: the same answer. */
export class AdminNotFound extends Error {
  override name = 'AdminNotFound';
  readonly code = 'not_found';
  constructor(detail = 'unknown or forbidden target') {
    super(detail);
  }
}

/** A request that is understood and allowed but cannot be carried out (e.g. blocking oneself). */
export class AdminRefused extends Error {
  override name = 'AdminRefused';
  constructor(
    readonly code: string,
    /** French, safe to show. */
    readonly publicMessage: string,
  ) {
    super(publicMessage);
  }
}
