import { countsForAvailability } from "../../config/hygiene.js";
import type { Config } from "../../config/schema.js";
import type { ProbeResult } from "../../contract/result.js";
import { failedAspectsOf } from "../../contract/sender-auth.js";
import type { Interval } from "../sla/intervals.js";
import type { ReputationInput, ReputationResult, ReputationService } from "../sla/reputation.js";
import type { ResultQuery, StoredCheck } from "../store/results.js";

/**
 * The sender-hygiene results of one month, read from the ledger for the report's "sender reputation"
 * section (collector/sla/reputation.ts judges them). Only the hygiene services' results are read,
 * one query per service; the full result (its message) only where a verdict needs it: each failed
 * sender-auth message (its message lists every aspect), at most {@link MAX_PAYLOADS} per service,
 * and the first failure of every other service (quoted as evidence).
 */

/** The store's reads this needs; sync or async, so it serves the SQLite store and PostgreSQL alike. */
export interface ReputationReader {
  checks(q: ResultQuery): Promise<StoredCheck[]> | StoredCheck[];
  checkPayload(id: string): Promise<ProbeResult | undefined> | ProbeResult | undefined;
}

/** Failed sender-auth messages whose aspects are read per service and month; beyond, the code alone counts. */
export const MAX_PAYLOADS = 1000;

const HOUR = 3_600_000;
/** The schema's defaults (config/delivery.ts, config/schema.ts), for a configuration that leaves them out. */
const DEFAULT_SEND_INTERVAL = 300_000;
const DEFAULT_INTERVAL = 60_000;
const DEFAULT_STALE_INTERVALS = 3;

/**
 * The part of the configuration the hygiene services are read from: a whole Config fits, and so does
 * the collector's AdmissionConfig (missing timetables take the schema's defaults).
 */
export interface HygieneConfig {
  readonly services: readonly {
    readonly name: string;
    readonly kind: string;
    readonly interval?: number | undefined;
    readonly require?: readonly string[] | undefined;
  }[];
  readonly deliveries: readonly { readonly direction: string; readonly interval?: number | undefined }[];
  /** `timeout` is not read: it is what every configuration shape has (the admission rules read it). */
  readonly agent: { readonly interval?: number | undefined; readonly timeout: number };
  readonly thresholds?: { readonly staleAfterIntervals: number } | undefined;
}

/** The hygiene services of the configuration, with how long one result of each vouches for. */
export function reputationServices(config: HygieneConfig): ReputationService[] {
  const stale = config.thresholds?.staleAfterIntervals ?? DEFAULT_STALE_INTERVALS;
  const sends = config.deliveries
    .filter((d) => d.direction === "send")
    .map((d) => d.interval ?? DEFAULT_SEND_INTERVAL);
  const sendInterval = sends.length ? Math.min(...sends) : DEFAULT_SEND_INTERVAL;
  return config.services
    .filter((s) => !countsForAvailability(s.kind))
    .map((s) => {
      const interval =
        s.kind === "sender-auth" ? sendInterval : (s.interval ?? config.agent.interval ?? DEFAULT_INTERVAL);
      return {
        name: s.name,
        kind: s.kind,
        ...(s.kind === "sender-auth" && s.require ? { require: s.require } : {}),
        freshMs: Math.max(HOUR, stale * interval),
      };
    });
}

/** A message cut to what a report cell holds. */
function short(message: string | undefined): string | undefined {
  if (!message) return undefined;
  return message.length > 120 ? `${message.slice(0, 119)}…` : message;
}

/** Reads the month's hygiene results for the reputation rows. */
export async function loadReputation(
  reader: ReputationReader,
  config: Readonly<Config>,
  range: Interval,
): Promise<ReputationInput> {
  const services = reputationServices(config);
  const results: ReputationResult[] = [];
  for (const s of services) {
    const rows = await reader.checks({ from: range.start, to: range.end, service: s.name });
    const failed = rows.filter((r) => !r.ok);
    // sender-auth: every failed message's aspects (the latest MAX_PAYLOADS and the first);
    // other kinds: the first failure's message, the row's evidence
    const read = new Set(
      s.kind === "sender-auth"
        ? [failed[0], ...failed.slice(-MAX_PAYLOADS + 1)].filter((r) => r !== undefined).map((r) => r.id)
        : failed.slice(0, 1).map((r) => r.id),
    );
    for (const r of rows) {
      const payload = read.has(r.id) ? await reader.checkPayload(r.id) : undefined;
      // a sender-auth message ends "from IP: spf=... helo=...": that tail says it all
      const full = payload?.error?.message;
      const from = s.kind === "sender-auth" && full ? full.lastIndexOf(" from ") : -1;
      const message = from >= 0 ? full!.slice(from + 1) : full;
      const aspects = s.kind === "sender-auth" && full ? failedAspectsOf(full) : undefined;
      results.push({
        service: r.service,
        vantage: r.vantage,
        at: r.startedAt,
        ok: r.ok,
        code: r.code,
        ...(aspects ? { failedAspects: aspects } : {}),
        ...(message ? { message: short(message) } : {}),
      });
    }
  }
  return { services, results };
}
