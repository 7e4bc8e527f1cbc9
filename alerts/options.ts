import { countsForAvailability } from "../config/hygiene.js";
import { Agent, Thresholds, type Config } from "../config/schema.js";

/**
 * The knobs of the generated rules that are not SPEC targets: how many vantage points make an
 * outage, how long a check must fail, which jobs Prometheus scrapes, operational thresholds. SPEC
 * targets never appear here: rule modules read them from contract/indicators.ts.
 */

/** Everything the rule and Alertmanager generators depend on besides indicators.ts. */
export interface AlertOptions {
  /** `thresholds.quorum`: vantage points that must fail before a service is down. */
  readonly quorum: number;
  /** `thresholds.consecutiveFailures`: failures in a row before a vantage point counts as failing. */
  readonly consecutiveFailures: number;
  /** How long a check must keep failing: `thresholds.consecutiveFailures` x `agent.interval`. */
  readonly failingForMs: number;
  /** `thresholds.staleAfterIntervals`: intervals after which a check's last result is stale. */
  readonly staleAfterIntervals: number;
  /**
   * Services with their own `services[].interval` unlike `agent.interval`, with that interval: their
   * down page waits `consecutiveFailures` of their intervals (a service checked every 15 s pages
   * after 30 s, not after the agent default's 2 minutes) and their checks go stale after
   * `staleAfterIntervals` of them (alerts/service-groups.ts).
   */
  readonly checkIntervalByService: Readonly<Record<string, number>>;
  /**
   * How often the down page is evaluated (its rule group's `interval`), when the fastest check is
   * faster than Prometheus' default minute; `null` leaves the global `evaluation_interval`. A
   * `for: 30s` evaluated once a minute would page a minute late.
   */
  readonly pageEvaluationMs: number | null;
  /**
   * A check of `agent.interval` older than this is stale: `thresholds.staleAfterIntervals` x
   * `agent.interval` (services of their own interval: `checkIntervalByService`).
   */
  readonly staleAfterMs: number;
  /** The collector has no push from an agent for this long: the agent is silent. */
  readonly agentSilentAfterMs: number;
  /**
   * Divides every `for:` duration (1 in production). Tests generate rules with a large speed so a
   * page fires in seconds; range windows stay as they are, so the expressions are the same.
   */
  readonly speed: number;
  /** Prometheus job names of the agents and of the collector. */
  readonly jobs: { readonly agent: string; readonly collector: string };
  /** Where `docs/runbooks/` is served; `runbook_url` is `<base>/<AlertName>.md`. */
  readonly runbookBaseUrl: string;
  /** Certificate expiry: warn this many days ahead, page this many days ahead. */
  readonly certificateDays: { readonly warning: number; readonly page: number };
  /** Share of a budget (7.1.3 minutes, 7.1.5 days) past which a ticket is opened. */
  readonly budgetTicketRatio: number;
}

const MINUTE = 60_000;

/** Prometheus' default `evaluation_interval`. */
const DEFAULT_EVALUATION_MS = MINUTE;

/** Options from a validated configuration: quorum and timing follow what the engine uses. */
export function alertOptionsFromConfig(
  config: Pick<Config, "thresholds" | "agent" | "services">,
  over: Partial<AlertOptions> = {},
): AlertOptions {
  const t = config.thresholds;
  // sender-hygiene kinds are reputation, on metrics of their own: no down page, no stale check
  const services = config.services.filter((s) => countsForAvailability(s.kind));
  const fastest = Math.min(config.agent.interval, ...services.map((s) => s.interval ?? Infinity));
  const own = services.filter((s) => s.interval !== undefined && s.interval !== config.agent.interval);
  return {
    quorum: t.quorum,
    consecutiveFailures: t.consecutiveFailures,
    failingForMs: t.consecutiveFailures * config.agent.interval,
    staleAfterIntervals: t.staleAfterIntervals,
    checkIntervalByService: Object.fromEntries(own.map((s) => [s.name, s.interval ?? config.agent.interval])),
    pageEvaluationMs: fastest < DEFAULT_EVALUATION_MS ? fastest : null,
    staleAfterMs: t.staleAfterIntervals * config.agent.interval,
    agentSilentAfterMs: 10 * MINUTE,
    speed: 1,
    jobs: { agent: "mailsla-agent", collector: "mailsla-collector" },
    runbookBaseUrl: "docs/runbooks",
    certificateDays: { warning: 21, page: 7 },
    budgetTicketRatio: 0.8,
    ...over,
  };
}

/** The options of the committed example: the configuration schema's defaults. */
export function defaultAlertOptions(over: Partial<AlertOptions> = {}): AlertOptions {
  return alertOptionsFromConfig(
    { thresholds: Thresholds.parse({}), agent: Agent.parse({}), services: [] },
    over,
  );
}

const UNITS: [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

/** Milliseconds as a Prometheus duration ("1h30m", "2m", "500ms"); "0s" for zero. */
export function promDuration(ms: number): string {
  let rest = Math.round(ms);
  if (rest <= 0) return "0s";
  let out = "";
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** A `for:` duration at the options' speed; never below one second unless zero. */
export function forDuration(o: AlertOptions, ms: number): string {
  if (ms <= 0) return "0s";
  return promDuration(Math.max(1000, ms / o.speed));
}
