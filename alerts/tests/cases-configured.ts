import { promDuration, type AlertOptions } from "../options.js";
import { serviceGroups } from "../service-groups.js";
import type { AlertCase, AlertCheck } from "./promtool.js";

/**
 * promtool cases of the alerts whose rules depend on the configuration (`MailslaServiceDown`,
 * `MailslaChecksStale`), built from the options so that an operator's own rules (`mailsla rules`)
 * are tested with their quorum and check intervals. The timing case pins the promise of the
 * configuration: a service is down for the engine once the quorum-th vantage point has failed
 * `consecutiveFailures` checks in a row; the page follows one check interval later.
 */

/** Vantage point names a, b, c, ... */
const vantage = (i: number) => String.fromCharCode(97 + i);

const check = (service: string, v: string, values: string) => ({
  series: `mailsla_check_success{service="${service}",kind="smtp",vantage="${v}"}`,
  values,
});

const down = (service: string, quorum: number, checkInterval?: string) => ({
  labels: {
    severity: "page",
    clause: "7.1.4",
    service,
    ...(checkInterval ? { check_interval: checkInterval } : {}),
  },
  value: { "": String(quorum) },
});

/** A service to test per group of check interval (service-groups.ts) and that interval. */
interface Tested {
  readonly service: string;
  readonly intervalMs: number;
  /** The group's `check_interval` label, when it has one. */
  readonly label?: string;
}

/** "mx" for the default group (or "_mx", which no configuration can name, if mx has its own interval). */
function tested(o: AlertOptions): Tested[] {
  return serviceGroups(o).map((g) =>
    g.intervalMs === null
      ? {
          service: Object.hasOwn(o.checkIntervalByService, "mx") ? "_mx" : "mx",
          intervalMs: o.failingForMs / o.consecutiveFailures,
        }
      : { service: g.services[0]!, intervalMs: g.intervalMs, label: promDuration(g.intervalMs) },
  );
}

/**
 * The quorum's first failures one check apart: the engine confirms the outage at the
 * quorum-th vantage point's `consecutiveFailures`-th failure; quiet then, paged one interval later.
 */
function timingCase(o: AlertOptions, { service, intervalMs, label }: Tested): AlertCase {
  const step = promDuration(intervalMs);
  const samples = o.consecutiveFailures + 4;
  const series = Array.from({ length: o.quorum + 1 }, (_, i) => {
    if (i === o.quorum) return check(service, vantage(i), `1x${samples}`);
    // the last vantage point of the quorum starts failing one interval after the others
    return check(service, vantage(i), i === o.quorum - 1 ? `1 0x${samples - 1}` : `0x${samples}`);
  });
  const confirmMs = intervalMs * o.consecutiveFailures;
  const at = (ms: number) => promDuration(ms);
  const checks: AlertCheck[] = [
    { at: at(confirmMs), alert: "MailslaServiceDown", fires: [] },
    {
      at: at(confirmMs + intervalMs),
      alert: "MailslaServiceDown",
      fires: [down(service, o.quorum, label)],
    },
  ];
  return {
    name:
      `MailslaServiceDown: checks every ${step}, ${o.quorum} vantage points failing ${o.consecutiveFailures} in a row: ` +
      `quorum confirmed at ${at(confirmMs)}, paged ${step} later`,
    interval: step,
    series,
    checks,
  };
}

/** The down page's cases for these options: timing per `for:` group, and where it must stay quiet. */
export function serviceDownCases(o: AlertOptions): AlertCase[] {
  const all = Array.from({ length: o.quorum + 1 }, (_, i) => vantage(i));
  const failing = all.slice(0, o.quorum);
  return [
    ...tested(o).map((t) => timingCase(o, t)),
    {
      name: "MailslaServiceDown: fewer vantage points than the quorum failing is their problem, not an outage",
      series: [
        ...all.map((v, i) => check("mx", v, i < o.quorum - 1 ? "0x30" : "1x30")),
        { series: 'mailsla_maintenance_active{service="mx",segment="north"}', values: "0x30" },
      ],
      checks: [
        { at: "30m", alert: "MailslaServiceDown", fires: [] },
        { at: "30m", alert: "MailslaMaintenanceActive", fires: [] }, // a 0 gauge is no maintenance
      ],
    },
    {
      name: "MailslaServiceDown: quiet inside announced maintenance, which fires instead",
      series: [
        ...failing.map((v) => check("mx", v, "0x30")),
        { series: 'mailsla_maintenance_active{service="mx",segment="north"}', values: "1x30" },
        { series: 'mailsla_maintenance_active{service="mx",segment="south"}', values: "0x30" },
        { series: 'mailsla_maintenance_active{service="imap",segment="north"}', values: "0x30" },
      ],
      checks: [
        { at: "10m", alert: "MailslaServiceDown", fires: [] },
        {
          at: "10m",
          alert: "MailslaMaintenanceActive",
          fires: [{ labels: { severity: "warning", clause: "7.1.3", service: "mx", segment: "north" } }],
        },
      ],
    },
  ];
}

/** Prometheus' `humanizeDuration` of whole seconds ("9m 0s", "1h 2m 0s"). */
export function humanizeSeconds(total: number): string {
  const d = Math.floor(total / 86_400);
  const h = Math.floor(total / 3600) % 24;
  const m = Math.floor(total / 60) % 60;
  const s = total % 60;
  if (d > 0) return `${d}d ${h}h ${m}m ${s}s`;
  if (h > 0) return `${h}h ${m}m ${s}s`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** How often the test file evaluates rules: as often as the fastest check, at most once a minute. */
export function evaluationMs(o: AlertOptions): number {
  return o.pageEvaluationMs ?? 60_000;
}

/**
 * A check that stopped running warns once it is older than `staleAfterIntervals` of its interval
 * for 5 minutes; one that runs every evaluation does not.
 */
export function checksStaleCase(o: AlertOptions, { service, intervalMs, label }: Tested): AlertCase {
  const step = evaluationMs(o);
  const staleMs = o.staleAfterIntervals * intervalMs;
  const staleFrom = (Math.floor(staleMs / step) + 1) * step; // first evaluation past the limit
  const firesAt = staleFrom + 5 * 60_000; // for: 5m
  const samples = firesAt / step + 2;
  const series = (v: string, values: string) => ({
    series: `mailsla_check_last_run_timestamp_seconds{service="${service}",kind="smtp",vantage="${v}"}`,
    values,
  });
  return {
    name: `MailslaChecksStale: a check every ${promDuration(intervalMs)} that stopped running warns (stale after ${promDuration(staleMs)}, for 5m); a running one does not`,
    interval: promDuration(step),
    series: [series("a", `0x${samples}`), series("b", `0+${step / 1000}x${samples}`)],
    checks: [
      { at: promDuration(firesAt - step), alert: "MailslaChecksStale", fires: [] },
      {
        at: promDuration(firesAt),
        alert: "MailslaChecksStale",
        fires: [
          {
            labels: {
              severity: "warning",
              clause: "6.1.2",
              service,
              vantage: "a",
              ...(label ? { check_interval: label } : {}),
            },
            value: { humanizeDuration: humanizeSeconds(firesAt / 1000) },
          },
        ],
      },
    ],
  };
}

/** Every configuration-dependent case. */
export function configuredCases(o: AlertOptions): AlertCase[] {
  return [...serviceDownCases(o), ...tested(o).map((t) => checksStaleCase(o, t))];
}
