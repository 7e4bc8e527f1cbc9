import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Secret } from "../../config/secret.js";
import { Errors } from "../errors.js";

/**
 * Bearer-token authentication. An agent's token is its identity (the vantage point it may push
 * for); the admin token is a separate secret that grants the admin API and nothing else. Tokens
 * are compared in constant time, through their digests so lengths leak nothing either.
 */

const digest = (s: string) => createHash("sha256").update(s).digest();

/** The token of an `Authorization: Bearer ...` header, or undefined. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m?.[1];
}

/** Answers "which vantage point does this token belong to", in constant time per token. */
export function agentResolver(
  tokens: Readonly<Record<string, Secret>>,
): (token: string) => string | undefined {
  const known = Object.entries(tokens).map(([vantage, s]) => [vantage, digest(s.reveal())] as const);
  return (token) => {
    const d = digest(token);
    let found: string | undefined;
    for (const [vantage, expected] of known) if (timingSafeEqual(d, expected)) found = vantage;
    return found;
  };
}

/** The vantage point of the request's agent token; 401 otherwise. */
export function authenticateAgent(
  req: FastifyRequest,
  resolve: (token: string) => string | undefined,
): string {
  const token = bearerToken(req);
  if (token === undefined) throw Errors.unauthorized("missing bearer token");
  const vantage = resolve(token);
  if (vantage === undefined) throw Errors.unauthorized("unknown agent token");
  return vantage;
}

/** An onRequest hook admitting only the admin token (before the body is even read). */
export function adminOnly(admin: Secret): (req: FastifyRequest) => Promise<void> {
  const expected = digest(admin.reveal());
  return async (req) => {
    const token = bearerToken(req);
    if (token === undefined) throw Errors.unauthorized("missing bearer token");
    if (!timingSafeEqual(digest(token), expected)) throw Errors.unauthorized("not the admin token");
  };
}
