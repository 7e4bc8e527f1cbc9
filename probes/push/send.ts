import type { OutboxRecord } from "../state/agent-state.js";
import { verdictOf, type Verdict } from "./verdict.js";

/**
 * One ingest request: a batch of outbox records POSTed with the agent's token, the answer turned
 * into a {@link Verdict}. A network failure, a timeout or an abort is a verdict too ("retry"),
 * never an exception, so the pusher's loop has exactly one place that decides.
 */

/** The verdict, and how many records the collector had already stored (from a 2xx answer). */
export interface SendResult {
  verdict: Verdict;
  duplicates: number;
  /** Bytes of the request body. */
  bytes: number;
  /** The connection was reset or closed under the request (no answer read). */
  reset: boolean;
}

/** Error codes of a connection closed under a request (node:net and undici). */
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);

/** POSTs `batch` to `endpoint`; `signal` aborts it (stop, or the request timeout). */
export async function sendBatch(
  endpoint: string,
  token: string,
  batch: readonly OutboxRecord[],
  signal: AbortSignal,
): Promise<SendResult> {
  const text = JSON.stringify({ records: batch.map((r) => ({ type: r.type, payload: r.payload })) });
  const bytes = Buffer.byteLength(text);
  try {
    const res = await fetch(endpoint, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: text,
      signal,
    });
    const body = parseBody(await res.text());
    const verdict = verdictOf(res.status, body, batch.length);
    const dup = verdict.kind === "ack" ? (body as { duplicates?: unknown }).duplicates : undefined;
    return { verdict, duplicates: typeof dup === "number" ? dup : 0, bytes, reset: false };
  } catch (err) {
    const cause = (err as Error).cause as { code?: unknown } | undefined;
    const reset = typeof cause?.code === "string" && RESET_CODES.has(cause.code);
    const reason = String((err as Error).cause ?? err);
    return { verdict: { kind: "retry", loud: false, reason }, duplicates: 0, bytes, reset };
  }
}

/** The answer's JSON, or {} for anything else (a proxy's HTML error page): the status decides then. */
function parseBody(text: string): object {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}
