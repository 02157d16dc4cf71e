// Helpers shared by the interaction steps: load the provider's interaction, finish it.
import type { Context } from 'koa';
import type { Oidc } from '../oidc/index.js';
import { AppError } from '../http/errors.js';

export type InteractionDetails = Awaited<ReturnType<Oidc['provider']['interactionDetails']>>;

const sessionExpired = () =>
  new AppError(
    400,
    'interaction_expired',
    'Votre page de connexion a expiré. Revenez à l’application et reconnectez-vous.',
  );

/** The interaction the browser is in; its uid must match the URL. */
export async function loadInteraction(ctx: Context, oidc: Oidc): Promise<InteractionDetails> {
  let details: InteractionDetails;
  try {
    details = await oidc.provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if ((err as { name?: string }).name === 'SessionNotFound') throw sessionExpired();
    throw err;
  }
  if (details.uid !== ctx.params.uid) throw sessionExpired();
  return details;
}

export async function clientName(oidc: Oidc, details: InteractionDetails): Promise<string | undefined> {
  const client = await oidc.provider.Client.find(String(details.params.client_id));
  return client?.clientName ?? client?.clientId;
}

/** Ends the interaction with `result` and sends the browser back to the provider. */
export async function finishInteraction(
  ctx: Context,
  oidc: Oidc,
  result: Record<string, unknown>,
  merge = false,
): Promise<void> {
  ctx.status = 303;
  ctx.redirect(await interactionReturnTo(ctx, oidc, result, merge));
}

/** Ends the interaction with `result`; the provider's URL to resume it, for a page to link to. */
export function interactionReturnTo(
  ctx: Context,
  oidc: Oidc,
  result: Record<string, unknown>,
  merge = false,
): Promise<string> {
  return oidc.provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
}

export function clientIp(ctx: Context): string {
  return ctx.ip || ctx.request.socket.remoteAddress || 'unknown';
}

export const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};
