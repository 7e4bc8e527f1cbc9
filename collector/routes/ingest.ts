import type { FastifyInstance } from "fastify";
import { formatPath } from "../../config/load.js";
import type { Health } from "../health.js";
import { pointsOf } from "../influx/points.js";
import type { CollectorStore, IngestRecord } from "../store/index.js";
import { Errors } from "../errors.js";
import { authenticateAgent } from "./auth.js";
import type { IngestReply } from "./ingest-body.js";
import type { CollectorMetrics } from "./metrics.js";
import { admittedIngestBody, admittedQuickly, type AdmissionRules } from "./admission.js";
import { parseOr400Async } from "./validate.js";

/**
 * POST /api/v1/ingest: agents push batches of results here. A batch is all or nothing: a bad
 * token (401), an oversized body (413), a malformed record (400), a record of another vantage
 * point (403) or one the configuration does not describe (400, admission.ts) stores nothing. An accepted batch is answered only after its transaction committed,
 * and storing is idempotent by result id, so an agent may resend whatever it is unsure about.
 */

/** What the ingest route needs. */
export interface IngestDeps {
  store: CollectorStore;
  resolveAgent: (token: string) => string | undefined;
  /** What the configuration admits (services, deliveries, vantage points, bounds, times). */
  admission: AdmissionRules;
  maxBatch: number;
  maxBodyBytes: number;
  /** Queue InfluxDB points in the same transaction (only when an export is configured). */
  exportPoints: boolean;
  metrics: CollectorMetrics;
  /** Told each transaction's outcome, so readiness reflects the ledger's last write. */
  health: Pick<Health, "ingestFailed" | "ingestSucceeded">;
  now: () => number;
}

/** Rejects records whose payload names another vantage point than the token's. */
function checkVantage(records: readonly IngestRecord[], vantage: string): void {
  const foreign = records.flatMap((r, i) => (r.payload.vantage !== vantage ? [i] : []));
  if (foreign.length === 0) return;
  const first = foreign[0]!;
  const path = formatPath(["records", first, "payload", "vantage"]);
  throw Errors.vantageMismatch.forRecords(
    foreign,
    `${path}: "${records[first]!.payload.vantage}" is not this agent's vantage point "${vantage}"` +
      (foreign.length > 1 ? ` (and ${foreign.length - 1} more record(s))` : ""),
  );
}

/** Registers the ingest route. */
export function ingestRoutes(app: FastifyInstance, deps: IngestDeps): void {
  const body = admittedIngestBody(deps.admission);
  app.post(
    "/api/v1/ingest",
    {
      bodyLimit: deps.maxBodyBytes,
      onRequest: async (req) => {
        req.vantage = authenticateAgent(req, deps.resolveAgent);
      },
    },
    async (req): Promise<IngestReply> => {
      const raw = req.body as { records?: unknown } | null;
      if (Array.isArray(raw?.records) && raw.records.length > deps.maxBatch) {
        throw Errors.batchTooLarge(raw.records.length, deps.maxBatch);
      }
      const records =
        admittedQuickly(deps.admission, raw) ??
        ((await parseOr400Async(body, raw)).records as IngestRecord[]);
      const vantage = req.vantage!;
      checkVantage(records, vantage);
      const now = deps.now();
      let outcome;
      try {
        outcome = await deps.store.ingest(vantage, records, now, deps.exportPoints ? pointsOf : undefined);
      } catch (err) {
        req.log.error({ err }, "ingest transaction failed");
        deps.health.ingestFailed(err as Error);
        throw Errors.storeUnavailable((err as Error).message);
      }
      deps.health.ingestSucceeded();
      deps.metrics.ingested(outcome);
      return { accepted: outcome.accepted, duplicates: outcome.duplicates };
    },
  );
}

declare module "fastify" {
  interface FastifyRequest {
    /** The vantage point of an authenticated agent request. */
    vantage?: string;
  }
}
