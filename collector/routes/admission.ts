import { z } from "zod";
import type { CollectorLimits } from "../../config/collector.js";
import type { DeliveryDirection } from "../../config/delivery.js";
import type { IngestRecord } from "../store/index.js";
import { IngestRecordBody, wellFormedRecords } from "./ingest-body.js";

/**
 * The configuration's half of the ingest schema: a record that is well formed (contract/) is admitted
 * only when the configuration describes it: its service or delivery exists with that kind or
 * direction, its vantage point is one that checks it, its durations fit the configured timeout or loss
 * timeout, and its time lies between the horizon and a little ahead of the collector's clock. Each
 * refusal is a zod issue on the record's field with a rule code (docs/security.md lists them), so it
 * reaches the agent as `records[i].payload.field: ... (rule: code)` and the agent dead-letters
 * exactly that record.
 */

/** What a service allows: its kind, the vantage points that check it (all when absent), its timeout. */
interface ServiceRule {
  kind: string;
  vantagePoints?: ReadonlySet<string>;
  timeoutSeconds: number;
}

/** What a delivery allows: its direction, vantage points, and how long a message may take. */
interface DeliveryRule {
  direction: DeliveryDirection;
  vantagePoints?: ReadonlySet<string>;
  lossTimeoutSeconds: number;
}

/** Everything admission reads: the configuration's names and bounds, the clock, and the ledger's memory. */
export interface AdmissionRules {
  services: ReadonlyMap<string, ServiceRule>;
  deliveries: ReadonlyMap<string, DeliveryRule>;
  maxClockSkewMs: number;
  horizonMs: number;
  /** The key that sets `horizonMs`, for the refusal's words. */
  horizonKey: string;
  now: () => number;
  /** Whether the ledger holds results of a name the configuration lacks (it was removed or renamed). */
  heldBefore: (type: IngestRecord["type"], name: string) => Promise<boolean>;
}

/** A check may overrun its timeout a little (the runner's own work, a slow event loop): 10 % + 5 s. */
export const timeoutAllowance = (seconds: number): number => seconds * 1.1 + 5;

/** The part of the configuration admission reads (a whole Config fits). */
export interface AdmissionConfig {
  services: readonly {
    name: string;
    kind: string;
    vantagePoints?: string[] | undefined;
    timeout?: number | undefined;
  }[];
  deliveries: readonly {
    name: string;
    direction: DeliveryDirection;
    vantagePoints?: string[] | undefined;
    lossTimeout: number;
  }[];
  agent: { timeout: number };
}

/** The rules of a configuration. */
export function admissionRules(
  config: AdmissionConfig,
  limits: Pick<CollectorLimits, "maxClockSkew" | "horizon">,
  now: () => number,
  heldBefore: AdmissionRules["heldBefore"],
  rawRetentionMs = Infinity,
): AdmissionRules {
  // A result older than the raw retention would land among compacted runs (collector/store/compaction.ts).
  const byRetention = rawRetentionMs < limits.horizon;
  const set = (names?: readonly string[]) => (names ? new Set(names) : undefined);
  const services = new Map<string, ServiceRule>();
  for (const s of config.services) {
    const vantagePoints = set(s.vantagePoints);
    services.set(s.name, {
      kind: s.kind,
      timeoutSeconds: (s.timeout ?? config.agent.timeout) / 1000,
      ...(vantagePoints ? { vantagePoints } : {}),
    });
  }
  const deliveries = new Map<string, DeliveryRule>();
  for (const d of config.deliveries) {
    const vantagePoints = set(d.vantagePoints);
    deliveries.set(d.name, {
      direction: d.direction,
      lossTimeoutSeconds: d.lossTimeout / 1000,
      ...(vantagePoints ? { vantagePoints } : {}),
    });
  }
  return {
    services,
    deliveries,
    maxClockSkewMs: limits.maxClockSkew,
    horizonMs: byRetention ? rawRetentionMs : limits.horizon,
    horizonKey: byRetention ? "collector.retention.raw" : "collector.limits.horizon",
    now,
    heldBefore: memoised(heldBefore),
  };
}

/** Remembers answers for a minute, so a stream of refused records costs one ledger lookup per name. */
function memoised(f: AdmissionRules["heldBefore"]): AdmissionRules["heldBefore"] {
  const seen = new Map<string, { at: number; held: boolean }>();
  return async (type, name) => {
    const key = `${type}\u0000${name}`;
    const hit = seen.get(key);
    if (hit && Date.now() - hit.at < 60_000) return hit.held;
    if (seen.size > 10_000) seen.clear();
    const held = await f(type, name);
    seen.set(key, { at: Date.now(), held });
    return held;
  };
}

/** Where a refusal goes: zod's refinement context, or a counter (the quick path of {@link admittedQuickly}). */
type Ctx = Pick<z.RefinementCtx, "addIssue">;
const refuse = (ctx: Ctx, path: PropertyKey[], rule: string, message: string) =>
  ctx.addIssue({
    code: "custom",
    path: ["payload", ...path],
    message: `${message} (rule: ${rule})`,
    params: { rule },
  });

/** A time in words; a number outside the JavaScript date range (already refused by the contract) as itself. */
const iso = (ms: number) => {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} (not a date)` : d.toISOString();
};

/** Refuses a time outside [now - horizon, now + skew]. */
function checkTime(ctx: Ctx, rules: AdmissionRules, field: string, at: number): void {
  const now = rules.now();
  if (at > now + rules.maxClockSkewMs) {
    refuse(
      ctx,
      [field],
      "from-the-future",
      `${iso(at)} is more than ${rules.maxClockSkewMs / 1000} s ahead of the collector's clock (${iso(now)}): check the agent's clock (collector.limits.maxClockSkew)`,
    );
  } else if (at < now - rules.horizonMs) {
    refuse(
      ctx,
      [field],
      "too-old",
      `${iso(at)} is older than the horizon of ${Math.round(rules.horizonMs / 86_400_000)} days (${rules.horizonKey})`,
    );
  }
}

function checkAtMost(
  ctx: Ctx,
  path: PropertyKey[],
  value: number | undefined,
  max: number,
  what: string,
): void {
  if (value !== undefined && value > max) {
    refuse(ctx, path, "out-of-range", `${value} s exceeds ${Math.round(max * 1000) / 1000} s (${what})`);
  }
}

/** A name the configuration lacks, to be told apart (removed or unknown) by asking the ledger. */
interface UnknownName {
  type: IngestRecord["type"];
  name: string;
}

async function unknownName(ctx: Ctx, rules: AdmissionRules, { type, name }: UnknownName): Promise<void> {
  const field = type === "check" ? "check" : "delivery";
  const what = type === "check" ? "service" : "delivery";
  if (await rules.heldBefore(type, name)) {
    refuse(
      ctx,
      [field],
      `${what}-removed`,
      `${what} "${name}" is no longer in the configuration (removed or renamed); its earlier results stay in the ledger`,
    );
  } else {
    refuse(ctx, [field], `unknown-${what}`, `no ${what} "${name}" in the configuration`);
  }
}

/** Refuses a vantage point that the service's or delivery's `vantagePoints` do not list. */
function notAssigned(
  ctx: Ctx,
  allowed: ReadonlySet<string> | undefined,
  vantage: string,
  what: string,
): void {
  if (allowed && !allowed.has(vantage)) {
    refuse(ctx, ["vantage"], "vantage-not-assigned", `vantage point "${vantage}" does not ${what}`);
  }
}

/** Admits a check result: refusals go to `ctx`; an unknown service is returned for the ledger to tell apart. */
function admitCheck(
  ctx: Ctx,
  rules: AdmissionRules,
  p: Extract<IngestRecord, { type: "check" }>["payload"],
): UnknownName | undefined {
  checkTime(ctx, rules, "startedAt", p.startedAt);
  const s = rules.services.get(p.check);
  if (!s) return { type: "check", name: p.check };
  if (s.kind !== p.kind) {
    refuse(ctx, ["kind"], "kind-mismatch", `service "${p.check}" is of kind ${s.kind}, not ${p.kind}`);
  }
  notAssigned(ctx, s.vantagePoints, p.vantage, `check service "${p.check}" (services[].vantagePoints)`);
  const limit = timeoutAllowance(s.timeoutSeconds);
  const what = `service "${p.check}" timeout ${s.timeoutSeconds} s with allowance`;
  checkAtMost(ctx, ["durationSeconds"], p.durationSeconds, limit, what);
  for (const [stage, seconds] of Object.entries(p.phases))
    checkAtMost(ctx, ["phases", stage], seconds, limit, what);
}

/** Admits a delivery result, as {@link admitCheck} a check result. */
function admitDelivery(
  ctx: Ctx,
  rules: AdmissionRules,
  p: Extract<IngestRecord, { type: "delivery" }>["payload"],
): UnknownName | undefined {
  checkTime(ctx, rules, "sentAt", p.sentAt);
  if (p.arrivedAt !== undefined && p.arrivedAt > rules.now() + rules.maxClockSkewMs)
    checkTime(ctx, rules, "arrivedAt", p.arrivedAt);
  const d = rules.deliveries.get(p.delivery);
  if (!d) return { type: "delivery", name: p.delivery };
  if (d.direction !== p.direction) {
    refuse(
      ctx,
      ["direction"],
      "direction-mismatch",
      `delivery "${p.delivery}" is a ${d.direction} probe, not ${p.direction}`,
    );
  }
  notAssigned(ctx, d.vantagePoints, p.vantage, `run delivery "${p.delivery}" (deliveries[].vantagePoints)`);
  // A delay beyond the loss timeout cannot be measured: the message was given up (lost) by then. The
  // age of a lost message is the loss timeout plus the agent's sweep, and a restart may add an hour.
  const what = `delivery "${p.delivery}" lossTimeout ${d.lossTimeoutSeconds} s`;
  checkAtMost(ctx, ["delaySeconds"], p.delaySeconds, timeoutAllowance(d.lossTimeoutSeconds), what);
  checkAtMost(ctx, ["errorBoundSeconds"], p.errorBoundSeconds, timeoutAllowance(d.lossTimeoutSeconds), what);
  checkAtMost(ctx, ["ageSeconds"], p.ageSeconds, timeoutAllowance(d.lossTimeoutSeconds) + 3600, what);
}

/** The configuration's refusals of one record, and the name it lacks, if any. */
function admitSync(ctx: Ctx, rules: AdmissionRules, r: IngestRecord): UnknownName | undefined {
  return r.type === "check" ? admitCheck(ctx, rules, r.payload) : admitDelivery(ctx, rules, r.payload);
}

/**
 * The refinement of one ingest record against the configuration: asynchronous, because telling a
 * removed name from an unknown one asks the ledger (parse with `parseAsync`).
 */
export function admitRecord(rules: AdmissionRules) {
  return async (r: IngestRecord, ctx: z.RefinementCtx): Promise<void> => {
    const unknown = admitSync(ctx, rules, r);
    if (unknown) await unknownName(ctx, rules, unknown);
  };
}

/**
 * The ingest body as the configuration admits it: each record's contract schema (caps, ranges,
 * character set) and then this refinement, record by record, so one answer names every bad record,
 * whether its fault is in the contract or in the configuration.
 */
export function admittedIngestBody(rules: AdmissionRules) {
  return z.strictObject({ records: z.array(IngestRecordBody.superRefine(admitRecord(rules))) });
}

/**
 * The records of a body that is whole: every record well formed and admitted, with no name the
 * ledger must be asked about. Undefined otherwise, and then {@link admittedIngestBody}'s parse gives
 * the answer that names every fault. The same rules in one synchronous pass (wellFormedRecords): a
 * push is almost always whole, and the full parse of 500 records costs several times as much CPU.
 */
export function admittedQuickly(rules: AdmissionRules, body: unknown): IngestRecord[] | undefined {
  const records = wellFormedRecords(body);
  if (!records) return undefined;
  let refused = false;
  const counter: Ctx = { addIssue: () => void (refused = true) };
  for (const r of records) {
    if (admitSync(counter, rules, r) !== undefined || refused) return undefined;
  }
  return records;
}
