/**
 * Grafana's side of running a panel query, done by hand so a test can send the query to the real
 * Prometheus or InfluxDB: the panel's time range (dashboard range, `timeFrom`, `timeShift` in the
 * dashboard's zone, as public/app/features/dashboard/utils/panel.ts applies them) and the template
 * variables (`$__range`, `$__rate_interval`, `$__interval`, `$timeFilter`, `$month`, label variables).
 */
import { DateTime, type DateTimeUnit } from "luxon";
import type { PanelQuery } from "./targets.js";

/** A resolved time range, Unix ms. */
export interface Range {
  readonly from: number;
  readonly to: number;
}

/** Values for the variables; label variables are lists (Grafana's multi-value). */
export interface Values {
  readonly month: string;
  readonly labels: Readonly<Record<string, readonly string[]>>;
  readonly rateInterval: string;
  readonly interval: string;
}

const UNITS: Record<string, DateTimeUnit> = {
  s: "second",
  m: "minute",
  h: "hour",
  d: "day",
  w: "week",
  M: "month",
  y: "year",
};

/** Grafana date math on `base`: "now", "now-6h", "now-11M/M", "-1M/M" (a shift), rounded down or up. */
export function dateMath(expr: string, base: DateTime, roundUp: boolean): DateTime {
  const m = /^(?:now)?(?:([-+])(\d+)([smhdwMy]))?(?:\/([smhdwMy]))?$/.exec(expr);
  if (!m) throw new Error(`unsupported date math: ${expr}`);
  let t = base;
  if (m[1]) {
    const amount = Number(m[2]) * (m[1] === "-" ? -1 : 1);
    t = t.plus({ [`${UNITS[m[3]!]!}s`]: amount });
  }
  if (m[4]) t = roundUp ? t.endOf(UNITS[m[4]]!) : t.startOf(UNITS[m[4]]!);
  return t;
}

/** The time range a panel queries: the dashboard's, then its `timeFrom`, then its `timeShift`. */
export function panelRange(q: PanelQuery, now: number, zone: string, month: string): Range {
  const base = DateTime.fromMillis(now, { zone });
  let from: DateTime = dateMath(q.dashboardFrom, base, false);
  let to: DateTime = base;
  if (q.timeFrom) {
    const expr = q.timeFrom.startsWith("now") ? q.timeFrom : `now-${q.timeFrom}`;
    from = dateMath(expr, base, false);
    to = base; // describeTextRange: "<expr> to now"
  }
  if (q.timeShift) {
    const shift = `-${q.timeShift.replace("${month}", month)}`;
    from = dateMath(shift, from, false);
    to = dateMath(shift, to, true);
  }
  return { from: from.toMillis(), to: to.toMillis() };
}

/** A multi-value label variable as Grafana formats it for a regex matcher: `(a|b)`, or `.*` for none. */
function regexValue(values: readonly string[]): string {
  if (values.length === 0) return ".*";
  return `(${values.map((v) => v.replace(/[\\^$*+?.()|[\]{}]/g, "\\$&")).join("|")})`;
}

/** The query text Grafana would send, for a panel range `r`. */
export function interpolate(q: PanelQuery, r: Range, v: Values): string {
  let text = q.text
    .replaceAll("$__rate_interval", v.rateInterval)
    .replaceAll("$__range", `${Math.round((r.to - r.from) / 1000)}s`)
    .replaceAll("$__interval", v.interval)
    .replaceAll("$timeFilter", `time >= ${r.from}ms and time <= ${r.to}ms`)
    .replaceAll("${month}", v.month);
  for (const [name, values] of Object.entries(v.labels)) {
    text = text.replaceAll(new RegExp(`\\$${name}\\b`, "g"), regexValue(values));
  }
  const left = /\$\{?\w+/.exec(text);
  if (left) throw new Error(`${q.where}: variable ${left[0]} left in ${text}`);
  return text;
}
