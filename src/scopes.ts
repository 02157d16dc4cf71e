// OAuth scope names shared by the provider (src/oidc), which grants them, and the admin API,
// which checks them in access tokens. The admin app knows the provider only through OIDC and
// never imports src/oidc, so the names both need live here.

/** Lets a teacher's token act on the accounts of the classes they administer. */
export const ADMIN_SCOPE = 'class-admin';
