/**
 * What the pusher does with the collector's answer to a batch. Only a 2xx acknowledges; a refusal
 * that names records quarantines exactly those; everything that may heal by itself (network, 5xx,
 * a token or URL the operator is fixing) is retried with backoff, never dropped.
 */

/** The pusher's next step. */
export type Verdict =
  | { kind: "ack" }
  | { kind: "retry"; loud: boolean; reason: string }
  /** Indices into the batch of records the collector will never accept. */
  | { kind: "quarantine"; indices: number[]; status: number; code: string; message: string }
  /** Send fewer records per request (413), or one at a time to find a bad record (400 unnamed). */
  | { kind: "shrink"; size: number; isolate: boolean; reason: string };

/** The error body of the collector (collector/errors.ts), as far as the pusher reads it. */
interface ErrorBody {
  code?: unknown;
  message?: unknown;
  records?: unknown;
}

function indicesIn(body: ErrorBody, batchLength: number): number[] {
  if (!Array.isArray(body.records)) return [];
  return body.records.filter((i): i is number => Number.isInteger(i) && i >= 0 && i < batchLength);
}

/** Decides on an HTTP answer to a batch of `batchLength` records. */
export function verdictOf(status: number, body: ErrorBody, batchLength: number): Verdict {
  if (status >= 200 && status < 300) return { kind: "ack" };
  const code = typeof body.code === "string" ? body.code : `HTTP_${status}`;
  const message = typeof body.message === "string" ? body.message : `HTTP ${status}`;
  const reason = `${status} ${code}: ${message}`;
  if (status === 413) {
    if (batchLength > 1) return { kind: "shrink", size: Math.floor(batchLength / 2), isolate: false, reason };
    return { kind: "quarantine", indices: [0], status, code, message };
  }
  if (status === 400 || status === 403) {
    const indices = indicesIn(body, batchLength);
    if (indices.length > 0) return { kind: "quarantine", indices, status, code, message };
    if (status === 400 && batchLength > 1) return { kind: "shrink", size: 1, isolate: true, reason };
    if (status === 400) return { kind: "quarantine", indices: [0], status, code, message };
  }
  // 401/403 (token), 404/405 (URL), 5xx: an operator or time fixes these; keep everything.
  return { kind: "retry", loud: status < 500, reason };
}
