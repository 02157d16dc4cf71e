export * from './account.js';
export * from './admin-session.js';
export * from './audit-event.js';
export * from './badge.js';
export * from './cas.js';
export * from './federation.js';
export * from './logout-delivery.js';
export * from './membership.js';
export * from './oidc-artifact.js';
export * from './oidc-client.js';
export * from './one-time-code.js';
export * from './password-reset-token.js';
export * from './relative-link.js';
export * from './role-assignment.js';
export * from './saml.js';
export * from './saml-session.js';
export * from './school-class.js';
export * from './signing-key.js';
export * from './structure.js';
export * from './terms.js';
export * from './throttle-entry.js';

import { Account } from './account.js';
import { AdminSession } from './admin-session.js';
import { AuditEvent } from './audit-event.js';
import { Badge } from './badge.js';
import { CasService, CasTicket } from './cas.js';
import { FederationLink, FederationRequest, NationalId } from './federation.js';
import { LogoutDelivery } from './logout-delivery.js';
import { Membership } from './membership.js';
import { OidcArtifact } from './oidc-artifact.js';
import { OidcClient } from './oidc-client.js';
import { OneTimeCode } from './one-time-code.js';
import { PasswordResetToken } from './password-reset-token.js';
import { RelativeLink } from './relative-link.js';
import { RoleAssignment } from './role-assignment.js';
import { SamlRequest, SamlService } from './saml.js';
import { SamlSession } from './saml-session.js';
import { SchoolClass } from './school-class.js';
import { SigningKey } from './signing-key.js';
import { Structure } from './structure.js';
import { TermsAcceptance, TermsVersion } from './terms.js';
import { ThrottleEntry } from './throttle-entry.js';

export const entities = [
  Account,
  AdminSession,
  AuditEvent,
  Badge,
  CasService,
  CasTicket,
  FederationLink,
  FederationRequest,
  LogoutDelivery,
  Membership,
  NationalId,
  OidcArtifact,
  OidcClient,
  OneTimeCode,
  PasswordResetToken,
  RelativeLink,
  RoleAssignment,
  SamlRequest,
  SamlService,
  SamlSession,
  SchoolClass,
  SigningKey,
  Structure,
  TermsAcceptance,
  TermsVersion,
  ThrottleEntry,
];
