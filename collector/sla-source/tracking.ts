import type { CollectorStore, IngestOutcome, IngestRecord } from "../store/index.js";
import type { Change } from "./cache.js";
import { isSecurityKind } from "./security.js";

/**
 * The wiring learns of ingests by wrapping the store the app writes through: every committed batch
 * tells it which times changed (to invalidate cached periods) and which agent pushed when (the
 * `mailsla_agent_last_push_timestamp_seconds` gauge). The routes stay unaware of the engine.
 */

/** Called after each committed ingest transaction. */
export type IngestListener = (
  vantage: string,
  records: readonly IngestRecord[],
  outcome: IngestOutcome,
  receivedAt: number,
) => void;

/** The times a batch touches, as invalidation needs them. */
export function changesOf(records: readonly IngestRecord[]): Change[] {
  return records.map((r) =>
    r.type === "check"
      ? { at: r.payload.startedAt, security: isSecurityKind(r.payload.kind) }
      : { at: r.payload.sentAt, security: false },
  );
}

/**
 * The same store, with `listener` called after every ingest that committed (a failed transaction
 * throws before it). Pass the result to the app, so ingests through the API are seen.
 */
export function trackIngest(store: CollectorStore, listener: IngestListener): CollectorStore {
  return {
    ...store,
    ingest(vantage, records, receivedAt, toPoints) {
      const outcome = store.ingest(vantage, records, receivedAt, toPoints);
      listener(vantage, records, outcome, receivedAt);
      return outcome;
    },
  };
}
