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
  /** How long a check must keep failing: `thresholds.consecutiveFailures` x the check interval. */
  readonly failingForMs: number;
  /** An agent's check older than this is stale: `thresholds.staleAfterIntervals` x the longest interval. */
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

/** Options from a validated configuration: quorum and timing follow what the engine uses. */
export function alertOptionsFromConfig(
  config: Pick<Config, "thresholds" | "agent" | "services">,
  over: Partial<AlertOptions> = {},
): AlertOptions {
  const t = config.thresholds;
  const longest = Math.max(config.agent.interval, ...config.services.map((s) => s.interval ?? 0));
  return {
    quorum: t.quorum,
    failingForMs: t.consecutiveFailures * config.agent.interval,
    staleAfterMs: t.staleAfterIntervals * longest,
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
