import { readFile } from "node:fs/promises";
import { z } from "zod";
import { DelaySample, InFlightMessage, LostMessage } from "../sla/delivery.js";
import { IncidentAnnotation } from "../sla/anchors.js";
import { FailureCause } from "../sla/causes.js";
import { ForceMajeureMark } from "../sla/force-majeure.js";
import { IncidentOverride } from "../sla/incidents.js";
import { LateNoticeCountsAs, MaintenanceWindow } from "../sla/maintenance.js";
import { SecurityVerdict } from "../sla/security.js";
import type { EngineInput } from "../sla/timeline.js";
import { ManualIndicators } from "./manual.js";
import type { LoadMonth } from "./produce.js";

/**
 * The CLI's offline data source (`--input FILE`), for a report without the collector's ledger (an
 * engine input exported elsewhere, a what-if, a test): one JSON file holding the operator's name,
 * an engine input and the entered values, validated here with the engine's own schemas so a bad
 * file fails with a path, not deep inside a computation. The default source is the ledger
 * (ledger-source.ts).
 */

const Series = z.strictObject({
  service: z.string().min(1),
  vantage: z.string().min(1),
  at: z.array(z.number()),
  ok: z.array(z.union([z.boolean(), z.number()])),
});

const Setup = z.strictObject({
  timeZone: z.string().min(1),
  totalUsers: z.number().int().positive(),
  segments: z
    .array(z.strictObject({ name: z.string().min(1), users: z.number().int().nonnegative() }))
    .min(1),
  vantagePoints: z.array(z.string().min(1)).min(1),
  services: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        intervalMs: z.number().positive(),
        segments: z.array(z.string()).optional(),
        vantagePoints: z.array(z.string()).optional(),
      }),
    )
    .min(1),
  thresholds: z.strictObject({
    consecutiveFailures: z.number().int().min(1),
    quorum: z.number().int().min(1),
    staleAfterIntervals: z.number().min(1),
  }),
  lateNoticeCountsAs: LateNoticeCountsAs.default("fault"),
});

/** The file: `{ operator: { name }, input: EngineInput, manual?: { month, entries } }`. */
export const ReportInputFile = z.strictObject({
  operator: z.strictObject({ name: z.string().min(1) }),
  input: z.strictObject({
    setup: Setup,
    now: z.number().int(),
    series: z.array(Series),
    maintenance: z.array(MaintenanceWindow).optional(),
    forceMajeure: z.array(ForceMajeureMark).optional(),
    overrides: z.array(IncidentOverride).optional(),
    annotations: z.array(IncidentAnnotation).optional(),
    causes: z.array(FailureCause).optional(),
    delays: z.array(DelaySample).optional(),
    inFlight: z.array(InFlightMessage).optional(),
    lost: z.array(LostMessage).optional(),
    security: z.array(SecurityVerdict).optional(),
  }),
  manual: ManualIndicators.optional(),
});
export type ReportInputFile = z.infer<typeof ReportInputFile>;

/** Where a problem in the file is: "input.series[3].at". */
function describe(issue: z.core.$ZodIssue): string {
  const at = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  return `${at.replace(/^\./, "") || "(top level)"}: ${issue.message}`;
}

/** A `LoadMonth` reading the file once; entered values for another month are not used. */
export function loadMonthFromFile(file: string): LoadMonth {
  let parsed: Promise<ReportInputFile> | undefined;
  const read = async () => {
    const text = await readFile(file, "utf8");
    const r = ReportInputFile.safeParse(JSON.parse(text));
    if (!r.success) throw new Error(`${file}: ${r.error.issues.slice(0, 5).map(describe).join("; ")}`);
    return r.data;
  };
  return async (month) => {
    const data = await (parsed ??= read());
    const manual = data.manual?.month === month ? data.manual : { month, entries: [] };
    return { input: data.input as EngineInput, manual, operator: data.operator };
  };
}
