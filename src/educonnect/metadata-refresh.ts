// ÉduConnect's metadata read again on a schedule (EDUCONNECT_METADATA_REFRESH), from the same
// file or URL as at start: when ÉduConnect renews its signing certificate it publishes the new
// one in its metadata first, and a server that read it only at start would refuse every
// ÉduConnect sign-in from the switch until its next restart. A reading that fails (network,
// a half-written file, metadata refused by the same checks as at start) keeps the last good
// metadata and is logged; the next reading tries again.
import { loadIdpMetadata } from '../domain/educonnect/index.js';
import type { Logger } from '../logger.js';
import type { EduconnectSp } from './sp.js';

export interface IdpMetadataRefresh {
  /** Reads the metadata now; true when it changed what the SP trusts. */
  refresh(): Promise<boolean>;
  stop(): void;
}

const fingerprint = (sp: EduconnectSp) => JSON.stringify(sp.idp);

export function startIdpMetadataRefresh(o: {
  source: string;
  sp: EduconnectSp;
  intervalSeconds: number;
  logger: Logger;
}): IdpMetadataRefresh {
  const { source, sp, logger } = o;
  const refresh = async () => {
    const before = fingerprint(sp);
    try {
      sp.useIdp(await loadIdpMetadata(source));
    } catch (err) {
      logger.warn({ err }, 'ÉduConnect metadata could not be read again: the last good metadata stays in use');
      return false;
    }
    const changed = fingerprint(sp) !== before;
    if (changed) logger.info({ entityId: sp.idp.entityId }, 'ÉduConnect metadata changed: now in use');
    return changed;
  };
  const timer = o.intervalSeconds > 0 ? setInterval(() => void refresh(), o.intervalSeconds * 1000) : null;
  timer?.unref();
  return {
    refresh,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
