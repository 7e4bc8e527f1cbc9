import type { Direction } from "../sla/delivery.js";
import type { MonthFigures } from "../sla/engine.js";
import type { Figure } from "../sla/figures.js";
import { describeIndicator, INDICATORS, type IndicatorKey } from "../../contract/indicators.js";
import { baseUnit, baseValue, figureLabels, one, type Sample, type SlaGaugeDef } from "./gauge-def.js";
import type { SlaSnapshot } from "./live-state.js";

/**
 * Gauges of the month's and year's figures (SPEC 7.1): each value in base units beside its target,
 * so a dashboard or alert divides one series by the other instead of writing a number again.
 * Series carry `{indicator, clause}`; a value and its target match on exactly those labels.
 */

const DIRECTIONS: readonly Direction[] = ["send", "receive"];
const DELAY: Record<
  Direction,
  { average: keyof MonthFigures & IndicatorKey; maximum: keyof MonthFigures & IndicatorKey }
> = {
  send: { average: "sendDelayAverage", maximum: "sendDelayMaximum" },
  receive: { average: "receiveDelayAverage", maximum: "receiveDelayMaximum" },
};

/** Every figure of a snapshot, keyed by the name of the figure (month keys, and the year's 7.1.5). */
function allFigures(s: SlaSnapshot): [string, Figure][] {
  const month = Object.entries(s.month.figures) as [keyof MonthFigures, Figure][];
  return [...month, ["faultFreeDays", s.year.faultFreeDays]];
}

function figureGauge(name: string, key: keyof MonthFigures, extra: Record<string, string> = {}): SlaGaugeDef {
  const f = (s: SlaSnapshot) => s.month.figures[key];
  return {
    name,
    help: `${describeIndicator(INDICATORS_KEY[key])}; this calendar month so far`,
    labelNames: ["indicator", "clause", ...Object.keys(extra)],
    samples: (s) => one({ ...figureLabels(f(s)), ...extra }, baseValue(f(s))),
  };
}

const INDICATORS_KEY: Record<keyof MonthFigures, IndicatorKey> = {
  faultMinutes: "faultMinutes",
  maintenanceMinutes: "maintenanceMinutes",
  availability: "availability",
  availabilityUserWeighted: "availability",
  faultFreeRate: "faultFreeRate",
  sendDelayAverage: "sendDelayAverage",
  sendDelayMaximum: "sendDelayMaximum",
  receiveDelayAverage: "receiveDelayAverage",
  receiveDelayMaximum: "receiveDelayMaximum",
  lossRate: "lossRate",
  smtpAuthRequired: "smtpAuthRequired",
  openRelayClosed: "openRelayClosed",
};

function delayGauge(stat: "average" | "maximum"): SlaGaugeDef {
  return {
    name: `mailsla_sla_delivery_delay_${stat}_seconds`,
    help: `Delivery delay, ${stat} of probe messages taken over this month (in-flight ages count towards the maximum): ${describeIndicator(DELAY.send[stat])}; ${describeIndicator(DELAY.receive[stat])}`,
    labelNames: ["indicator", "clause", "direction"],
    samples: (s) =>
      DIRECTIONS.flatMap((direction) => {
        const f = s.month.figures[DELAY[direction][stat]];
        return one({ ...figureLabels(f), direction }, baseValue(f));
      }),
  };
}

/** Targets of the measured indicators in one base unit; constant, from indicators.ts. */
function targetGauge(unit: "seconds" | "ratio" | "days"): SlaGaugeDef {
  const keys = (Object.keys(INDICATORS) as IndicatorKey[]).filter((k) => {
    const i = INDICATORS[k];
    return i.source === "measured" && "target" in i && baseUnit(i.unit) === unit;
  });
  return {
    name: `mailsla_sla_target_${unit === "days" ? "day_number" : unit}`,
    help: `Target of each measured SPEC indicator whose unit is ${unit} (minutes are given in seconds): ${keys.map(describeIndicator).join("; ")}`,
    labelNames: ["indicator", "clause"],
    samples: () =>
      keys.map((k) => {
        const i = INDICATORS[k] as { clause: string; unit: string; target: number };
        return {
          labels: { indicator: k, clause: i.clause },
          value: i.unit === "minutes" ? i.target * 60 : i.target,
        };
      }),
  };
}

function passSamples(s: SlaSnapshot): Sample[] {
  return allFigures(s).flatMap(([figure, f]) =>
    f.pass === null ? [] : [{ labels: { figure, ...figureLabels(f) }, value: f.pass ? 1 : 0 }],
  );
}

const VERDICTS = ["pass", "fail", "unproven"] as const;

function verdictSamples(s: SlaSnapshot): Sample[] {
  return allFigures(s).flatMap(([figure, f]) =>
    f.verdict === "reported"
      ? []
      : VERDICTS.map((verdict) => ({
          labels: { figure, ...figureLabels(f), verdict },
          value: f.verdict === verdict ? 1 : 0,
        })),
  );
}

function boundGauge(unit: "seconds" | "ratio"): SlaGaugeDef {
  return {
    name: `mailsla_sla_error_bound_${unit}`,
    help: `Half-width of the uncertainty of each figure measured in ${unit}, from the probe resolution (minutes given in seconds)`,
    labelNames: ["figure", "indicator", "clause"],
    samples: (s) =>
      allFigures(s).flatMap(([figure, f]) => {
        if (baseUnit(f.unit) !== unit || f.errorBound === null) return [];
        const scale = f.unit === "minutes" ? 60 : 1;
        return one({ figure, ...figureLabels(f) }, f.errorBound * scale);
      }),
  };
}

/** Gauges of the figures themselves, their targets, verdicts and error bounds. */
export const FIGURE_GAUGES: readonly SlaGaugeDef[] = [
  figureGauge("mailsla_sla_fault_weighted_seconds", "faultMinutes"),
  figureGauge("mailsla_sla_maintenance_weighted_seconds", "maintenanceMinutes"),
  {
    name: "mailsla_sla_availability_ratio",
    help: `${describeIndicator("availability")}; this month so far, weighting="strict" as the clause defines it (any segment in fault), weighting="users" weighted by affected users like 7.1.2`,
    labelNames: ["indicator", "clause", "weighting"],
    samples: (s) => [
      ...one(
        { ...figureLabels(s.month.figures.availability), weighting: "strict" },
        baseValue(s.month.figures.availability),
      ),
      ...one(
        { ...figureLabels(s.month.figures.availabilityUserWeighted), weighting: "users" },
        baseValue(s.month.figures.availabilityUserWeighted),
      ),
    ],
  },
  figureGauge("mailsla_sla_fault_free_ratio", "faultFreeRate"),
  delayGauge("average"),
  delayGauge("maximum"),
  {
    name: "mailsla_sla_loss_ratio",
    help: `${describeIndicator("lossRate")}: lost / (delivered + lost) probe messages taken over this month; 7.1.12 defines the receive direction, send is shown beside it`,
    labelNames: ["indicator", "clause", "direction"],
    samples: (s) =>
      DIRECTIONS.flatMap((direction) =>
        one(
          { indicator: "lossRate", clause: INDICATORS.lossRate.clause, direction },
          s.month.delivery[direction].rate,
        ),
      ),
  },
  {
    name: "mailsla_sla_compliant",
    help: `1 when every service's latest verdict passed, 0 when one failed: ${describeIndicator("smtpAuthRequired")}; ${describeIndicator("openRelayClosed")}`,
    labelNames: ["indicator", "clause"],
    samples: (s) =>
      [s.month.figures.smtpAuthRequired, s.month.figures.openRelayClosed].flatMap((f) =>
        one(figureLabels(f), baseValue(f)),
      ),
  },
  {
    name: "mailsla_sla_fault_free_day_number",
    help: `${describeIndicator("faultFreeDays")}: days of this calendar year no fault touched so far (days still to come count as fault-free)`,
    labelNames: ["indicator", "clause"],
    samples: (s) => one(figureLabels(s.year.faultFreeDays), baseValue(s.year.faultFreeDays)),
  },
  targetGauge("seconds"),
  targetGauge("ratio"),
  targetGauge("days"),
  {
    name: "mailsla_sla_pass",
    help: "1 when the figure meets its SPEC target so far, 0 when it fails; absent when not measurable or only reported",
    labelNames: ["figure", "indicator", "clause"],
    samples: passSamples,
  },
  {
    name: "mailsla_sla_verdict",
    help:
      "The figure's verdict as a state set: 1 on the verdict it has (pass, fail, unproven: not enough of the " +
      "period seen to prove it either way), 0 on the others; figures without a target have none",
    labelNames: ["figure", "indicator", "clause", "verdict"],
    samples: verdictSamples,
  },
  boundGauge("seconds"),
  boundGauge("ratio"),
];
