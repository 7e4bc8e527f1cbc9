/**
 * Every error the collector's API answers with, in one registry (fastify's `createError` style):
 * a stable code that clients and the agent's pusher branch on, an HTTP status, and a message
 * template. Codes never change meaning once published; add new ones instead.
 */

/** The JSON body of every error answer. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  /** Indices of the ingest records at fault, so an agent can quarantine exactly those. */
  records?: number[];
  /** Why each of those records was refused: field, rule code and words (at most 100). */
  refusals?: Refusal[];
}

/** One refused field of one ingest record (docs/security.md lists the rule codes). */
export interface Refusal {
  record: number;
  field: string;
  rule: string;
  message: string;
}

/** An error raised by a route; the app's error handler turns it into an {@link ErrorBody}. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    readonly records?: number[],
    readonly refusals?: Refusal[],
  ) {
    super(message);
  }
}

/** Builds an {@link ApiError} of one code; `%s` in the template takes the arguments in order. */
export type ErrorFactory = ((...args: (string | number)[]) => ApiError) & {
  readonly code: string;
  readonly statusCode: number;
  /** The same error naming the ingest records at fault. */
  forRecords(records: number[], ...args: (string | number)[]): ApiError;
};

/**
 * Declares one error code. Exists so every code, status and wording lives in this file and a
 * route can only raise errors that are listed here.
 */
export function createError(code: string, message: string, statusCode: number): ErrorFactory {
  const format = (args: (string | number)[]) => {
    let i = 0;
    return message.replace(/%s/g, () => String(args[i++] ?? ""));
  };
  const make = (...args: (string | number)[]) => new ApiError(code, statusCode, format(args));
  return Object.assign(make, {
    code,
    statusCode,
    forRecords: (records: number[], ...args: (string | number)[]) =>
      new ApiError(code, statusCode, format(args), records),
  });
}

/** The registry: the only errors the API ever answers with. */
export const Errors = {
  /** Missing, malformed or unknown bearer token. */
  unauthorized: createError("MAILSLA_UNAUTHORIZED", "%s", 401),
  /** A record claims a vantage point other than the one the token identifies. */
  vantageMismatch: createError("MAILSLA_VANTAGE_MISMATCH", "%s", 403),
  /** The body or a parameter fails its schema; the message names the field. */
  invalidBody: createError("MAILSLA_INVALID_BODY", "%s", 400),
  /** The body is not parseable JSON or CSV. */
  unparseableBody: createError("MAILSLA_UNPARSEABLE_BODY", "cannot parse the body: %s", 400),
  /** The body exceeds the configured byte limit. */
  bodyTooLarge: createError("MAILSLA_BODY_TOO_LARGE", "the body exceeds %s bytes", 413),
  /** More records than `collector.maxBatch`. */
  batchTooLarge: createError("MAILSLA_BATCH_TOO_LARGE", "%s records exceed the batch limit of %s", 413),
  /** A content type the route does not read. */
  unsupportedMediaType: createError("MAILSLA_UNSUPPORTED_MEDIA_TYPE", "unsupported content type %s", 415),
  notFound: createError("MAILSLA_NOT_FOUND", "%s", 404),
  /** The request conflicts with the stored state (e.g. cancelling a cancelled window). */
  conflict: createError("MAILSLA_CONFLICT", "%s", 409),
  /** The SLA engine is not wired into this collector yet. */
  slaUnavailable: createError("MAILSLA_SLA_UNAVAILABLE", "SLA figures are not available: %s", 501),
  /** The ledger could not be read or written. */
  storeUnavailable: createError("MAILSLA_STORE_UNAVAILABLE", "the store is unavailable: %s", 503),
  internal: createError("MAILSLA_INTERNAL", "internal error", 500),
} as const;

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

/** The answer body for an {@link ApiError}. */
export function errorBody(err: ApiError): ErrorBody {
  const body: ErrorBody = {
    statusCode: err.statusCode,
    code: err.code,
    error: REASONS[err.statusCode] ?? "Error",
    message: err.message,
  };
  if (err.records) body.records = err.records;
  if (err.refusals) body.refusals = err.refusals.slice(0, 100);
  return body;
}

/**
 * Maps fastify's own errors (body limit, JSON syntax, content type) onto the registry, so a
 * client sees our stable codes only; anything unknown is an internal error.
 */
export function toApiError(err: unknown, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return Errors.bodyTooLarge(bodyLimit);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return Errors.unsupportedMediaType(message);
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return Errors.unparseableBody(message);
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (err instanceof SyntaxError || status === 400) return Errors.unparseableBody(message);
  return Errors.internal();
}
