// Each route folder declares its operations in its schema.ts (method, path, schemas,
// responses); the router and the OpenAPI document read the same declarations.
import type { z } from 'zod';

export interface ResponseSpec {
  description: string;
  /** JSON body. */
  schema?: z.ZodType;
  /** Other media types (PDF, CSV). */
  media?: Record<string, { schema: Record<string, unknown> }>;
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

export interface Operation {
  method: 'get' | 'post';
  /** OpenAPI path relative to the API base (`/admin/api`), e.g. `/v1/classes/{classId}/accounts`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, ResponseSpec>;
  /** False for the OpenAPI document itself. */
  authenticated?: boolean;
}

export const operation = <O extends Operation>(op: O): O => op;

/** Koa router path from an OpenAPI path: `/v1/classes/{classId}` → `/v1/classes/:classId`. */
export const routerPath = (op: Operation): string => op.path.replace(/\{(\w+)\}/g, ':$1');
