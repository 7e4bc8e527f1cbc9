import { promDuration, type AlertOptions } from "./options.js";
import { alertRule, num, type AlertRule, type RuleGroup } from "./rule.js";
import { serviceGroups, type ServiceGroup } from "./service-groups.js";

/**
 * The monitoring watching itself (SPEC 6.1.2 asks for "long-term, effective monitoring"): an agent
 * or the collector that went silent leaves every other alert blind, and an always-firing Watchdog
 * proves the path from Prometheus through Alertmanager to the receiver works at all.
 */

const CLAUSE = "6.1.2";
const FIVE_MINUTES = 5 * 60_000;

function watchdog(o: AlertOptions): AlertRule {
  return alertRule(o, {
    name: "MailslaWatchdog",
    expr: "vector(1)",
    severity: "warning",
    clause: CLAUSE,
    summary: `Alerting pipeline heartbeat: always firing (SPEC ${CLAUSE} effective monitoring)`,
    description:
      "Fires all the time on purpose. Alertmanager routes it to a dead man's switch; when the heartbeat " +
      "stops arriving, Prometheus, its rules or Alertmanager are broken and no other alert can reach anyone.",
  });
}

function jobDown(o: AlertOptions, name: string, job: string, what: string): AlertRule {
  return alertRule(o, {
    name,
    expr: `up{job="${job}"} == 0 or absent(up{job="${job}"})`,
    forMs: FIVE_MINUTES,
    severity: "ticket",
    clause: CLAUSE,
    summary: `${what} {{ $labels.instance }} is not scraped (up = {{ $value }}; SPEC ${CLAUSE})`,
    description:
      `Prometheus has not scraped ${what} {{ $labels.instance }} (job ${job}) for 5 minutes, or has no such target ` +
      `at all (value {{ $value }}). What it measures is invisible meanwhile: SPEC ${CLAUSE} asks for effective monitoring.`,
  });
}

function agentSilent(o: AlertOptions): AlertRule {
  const after = promDuration(o.agentSilentAfterMs);
  return alertRule(o, {
    name: "MailslaAgentSilent",
    expr: `time() - max by (vantage) (mailsla_agent_last_push_timestamp_seconds) > ${num(o.agentSilentAfterMs / 1000)}`,
    severity: "ticket",
    clause: CLAUSE,
    summary: `Agent {{ $labels.vantage }} has pushed nothing for {{ $value | humanizeDuration }} (SPEC ${CLAUSE})`,
    description:
      `The collector has received no results from vantage point {{ $labels.vantage }} for {{ $value | humanizeDuration }} ` +
      `(alert after ${after}). Its checks no longer count towards the quorum, so outages may go unseen or unknown.`,
  });
}

/** One group of services (service-groups.ts): stale after `staleAfterIntervals` of its interval. */
function checksStale(o: AlertOptions, g: ServiceGroup): AlertRule {
  const staleMs = g.intervalMs === null ? o.staleAfterMs : o.staleAfterIntervals * g.intervalMs;
  return alertRule(o, {
    name: "MailslaChecksStale",
    expr: `time() - max by (service, vantage) (mailsla_check_last_run_timestamp_seconds${g.matcher}) > ${num(staleMs / 1000)}`,
    forMs: FIVE_MINUTES,
    ...(g.intervalMs === null ? {} : { labels: { check_interval: promDuration(g.intervalMs) } }),
    severity: "warning",
    clause: CLAUSE,
    summary: `Check of {{ $labels.service }} from {{ $labels.vantage }} last ran {{ $value | humanizeDuration }} ago (SPEC ${CLAUSE})`,
    description:
      `The agent at {{ $labels.vantage }} answers scrapes but has not run its check of {{ $labels.service }} for ` +
      `{{ $value | humanizeDuration }} (stale after ${promDuration(staleMs)}): its scheduler is stuck or overloaded.`,
  });
}

const TEN_MINUTES = 10 * 60_000;

function outboxBacklog(o: AlertOptions): AlertRule {
  return alertRule(o, {
    name: "MailslaAgentOutboxBacklog",
    expr: `max by (instance, vantage) (mailsla_agent_outbox_oldest_age_seconds) > ${num(TEN_MINUTES / 1000)}`,
    forMs: FIVE_MINUTES,
    severity: "ticket",
    clause: CLAUSE,
    summary: `Agent {{ $labels.instance }} holds results it could not push for {{ $value | humanizeDuration }} (SPEC ${CLAUSE})`,
    description:
      `The oldest result in the outbox of agent {{ $labels.instance }} has waited {{ $value | humanizeDuration }}: the ` +
      `collector is unreachable or refusing it (see the agent's log and mailsla_agent_outbox_records). Nothing is ` +
      `lost while it waits, but the collector's figures and pages do not see this vantage point meanwhile.`,
  });
}

function deadLetters(o: AlertOptions): AlertRule {
  return alertRule(o, {
    name: "MailslaAgentResultsRefused",
    expr: "max by (instance, vantage) (delta(mailsla_agent_dead_letter_records[1h])) > 0",
    severity: "ticket",
    clause: CLAUSE,
    summary: `The collector refused results of agent {{ $labels.instance }} in the last hour (SPEC ${CLAUSE})`,
    description:
      `Agent {{ $labels.instance }} moved results the collector refused into its dead_letter table: most often the ` +
      `agent's configuration names a service, delivery or vantage point the collector's does not (a rename), or its ` +
      `clock is ahead. The agent's log names each record's field and rule (docs/security.md).`,
  });
}

/** Rules of the monitoring's own health. */
export function healthRules(o: AlertOptions): RuleGroup {
  return {
    name: "mailsla-health",
    rules: [
      watchdog(o),
      jobDown(o, "MailslaAgentDown", o.jobs.agent, "probe agent"),
      agentSilent(o),
      ...serviceGroups(o).map((g) => checksStale(o, g)),
      outboxBacklog(o),
      deadLetters(o),
      jobDown(o, "MailslaCollectorDown", o.jobs.collector, "the collector"),
    ],
  };
}
