// Every migration, in order. Listed explicitly (no glob) so the same list serves the
// compiled server, the CLI and the TypeScript tests.
import { Initial1764100000000 } from './1764100000000-initial.js';
import { SparseArtifactIndexes1764200000000 } from './1764200000000-sparse-artifact-indexes.js';
import { ExactEmailMatch1764300000000 } from './1764300000000-exact-email-match.js';
import { AdminSessions1764350000000 } from './1764350000000-admin-sessions.js';
import { LogoutDeliveries1764400000000 } from './1764400000000-logout-deliveries.js';
import { SearchColumnsCollapseSpaces1796014682766 } from './1796014682766-search-columns-collapse-spaces.js';
import { Cas1796100000000 } from './1796100000000-cas.js';
import { SchoolYearRollover1796200000000 } from './1796200000000-school-year-rollover.js';
import { Saml1796300000000 } from './1796300000000-saml.js';
import { SamlSessions1796381000000 } from './1796381000000-saml-sessions.js';
import { Badges1796400000000 } from './1796400000000-badges.js';
import { Terms1796450000000 } from './1796450000000-terms.js';
import { Educonnect1796500000000 } from './1796500000000-educonnect.js';
import { SigningKeyActivation1796600000000 } from './1796600000000-signing-key-activation.js';

export const migrations = [
  Initial1764100000000,
  SparseArtifactIndexes1764200000000,
  ExactEmailMatch1764300000000,
  AdminSessions1764350000000,
  LogoutDeliveries1764400000000,
  SearchColumnsCollapseSpaces1796014682766,
  Cas1796100000000,
  SchoolYearRollover1796200000000,
  Saml1796300000000,
  SamlSessions1796381000000,
  Badges1796400000000,
  Terms1796450000000,
  Educonnect1796500000000,
  SigningKeyActivation1796600000000,
];
