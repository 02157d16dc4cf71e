// The `terms` prompt (issue 20): between the login prompt and consent, every authorization
// whose signed-in account has not accepted the terms of use in force opens an interaction
// with this prompt; src/interactions/terms.ts shows the page and records the answer. As a
// prompt of the provider's policy it applies to every client alike, so sign-ins through CAS
// and SAML (the internal clients ent-cas and ent-saml) and the admin page pass it too, and an
// already open session is asked for a new version at its next authorization. With
// `prompt=none` it answers `interaction_required`, as the standard says.
import type { interactionPolicy as InteractionPolicy, KoaContextWithOIDC } from 'oidc-provider';
import type { Terms } from '../domain/terms.js';

export const TERMS_PROMPT = 'terms';

/** The default policy with the terms prompt right after login. */
export function policyWithTerms(
  policy: typeof InteractionPolicy,
  terms: Pick<Terms, 'pendingFor'>,
): InteractionPolicy.Prompt[] {
  const { Prompt, Check, base } = policy;
  const prompts = base();
  const termsPrompt = new Prompt(
    { name: TERMS_PROMPT, requestable: false },
    new Check('terms_not_accepted', 'the terms of use in force were not accepted', async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      return accountId ? Boolean(await terms.pendingFor(accountId)) : false;
    }),
  );
  prompts.add(termsPrompt, prompts.findIndex((p) => p.name === 'login') + 1);
  return prompts;
}
