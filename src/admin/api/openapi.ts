// The OpenAPI 3.1 document of the admin API, generated from the routes' own zod schemas
// (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1 expects). Served at /api/openapi.json.
import { z } from 'zod';
import type { Operation, ResponseSpec } from './registry.js';
import { Problem } from './schema.js';

/** The admin page's session cookie (set by the page module, `ent.admin`). */
const SESSION_COOKIE = 'ent.admin';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  return rest;
}

function parameters(shape: z.ZodObject | undefined, where: 'path' | 'query'): Json[] {
  if (!shape) return [];
  return Object.entries(shape.shape).map(([name, field]) => {
    const schema = jsonSchema(field as z.ZodType, 'input');
    const { description, ...rest } = schema;
    return {
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

function responses(op: Operation): Json {
  const out: Json = {};
  for (const [status, spec] of Object.entries(op.responses) as [string, ResponseSpec][]) {
    const content: Json = {};
    if (spec.schema) content['application/json'] = { schema: jsonSchema(spec.schema, 'output') };
    for (const [type, media] of Object.entries(spec.media ?? {})) content[type] = media;
    out[status] = { description: spec.description, ...(spec.headers ? { headers: spec.headers } : {}), content };
  }
  if (op.authenticated === false) return out;
  if (op.params || op.query || op.body)
    out['400'] = problem('Paramètres invalides (les champs fautifs sont listés dans `errors`)');
  out['401'] = problem(
    'Jeton absent, invalide, expiré, sans la portée class-admin ou pour une autre audience ; compte bloqué',
  );
  out['403'] = problem(
    'Jeton d’application sans utilisateur (client_credentials), ou jeton CSRF manquant avec la session du navigateur',
  );
  if (op.params || op.body)
    out['404'] = problem('Compte ou classe introuvable ou hors de portée (les deux se confondent)');
  if (op.body) {
    out['413'] = problem('Corps de requête trop volumineux (100 ko au plus)');
    out['415'] = problem('Le corps doit être du JSON');
  }
  out['503'] = problem('Fournisseur d’identité ou base de données momentanément indisponible');
  return out;
}

export function buildOpenApi(operations: Operation[], serverUrl: string): Json {
  const paths: Record<string, Json> = {};
  for (const op of operations) {
    const item = (paths[op.path] ??= {});
    const csrf =
      op.method !== 'get' && op.authenticated !== false
        ? [
            {
              name: 'X-CSRF-Token',
              in: 'header',
              required: false,
              description: 'Obligatoire avec la session du navigateur (cookie) pour toute requête autre que GET',
              schema: { type: 'string' },
            },
          ]
        : [];
    item[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: op.tags,
      ...(op.authenticated === false ? { security: [] } : {}),
      parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query'), ...csrf],
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } }
        : {}),
      responses: responses(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ENT — Paramétrage de la classe (API)',
      version: '1.0.0',
      description:
        'Comptes des classes d’un enseignant : onglets, états d’activation, codes de renouvellement, blocage, réinitialisation du mot de passe, fiches de connexion. ' +
        'Jetons : access token JWT (RFC 9068) du fournisseur d’identité pour la ressource de l’API (paramètre `resource`) avec la portée `class-admin`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: serverUrl }],
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    tags: [{ name: 'Compte' }, { name: 'Classes' }, { name: 'Comptes' }, { name: 'Documentation' }],
    paths,
    components: {
      schemas: { Problem: jsonSchema(Problem, 'output') },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'Access token JWT ES256/RS256 : iss = émetteur, aud = audience de l’API, scope contenant class-admin, sub = enseignant',
        },
        cookieAuth: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'Session de la page « Paramétrage de la classe » ; en-tête X-CSRF-Token exigé hors GET',
        },
      },
    },
  };
}

export const openApiOperation: Operation = {
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApi',
  summary: 'Ce document',
  tags: ['Documentation'],
  authenticated: false,
  responses: {
    200: { description: 'Document OpenAPI 3.1', media: { 'application/json': { schema: { type: 'object' } } } },
  },
};
