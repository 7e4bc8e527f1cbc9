import { promInstant, steps, valueText, type DashboardOptions, type Row } from "../common.js";
import { statPanel } from "../panels.js";

/**
 * NOC row "Agents and collector": whether the monitoring itself still sees (SPEC 6.1.2 asks for
 * long-term, effective monitoring). A silent agent leaves its vantage point out of the quorum, so
 * outages may go unseen; the colours turn red where the health alerts fire.
 */

const UP = valueText({ "0": { text: "DOWN", color: "red" }, "1": { text: "UP", color: "green" } });

/** The row. */
export function agentsRow(o: DashboardOptions): Row {
  return {
    title: "Agents and collector (6.1.2)",
    panels: [
      statPanel({
        title: "Agents scraped",
        description: `Prometheus' up of each probe agent (job ${o.jobs.agent}); the scrape sets the target label vantage.`,
        span: 6,
        height: 4,
      })
        .mappings(UP)
        .withTarget(promInstant(`max by (vantage) (up{job="${o.jobs.agent}"})`, "{{vantage}}")),
      statPanel({
        title: "Last check result, age",
        description: `Time since each agent last ran any check; red past ${o.staleAfterSeconds} s, where its results stop counting towards the quorum (the MailslaChecksStale alert).`,
        span: 6,
        height: 4,
      })
        .unit("s")
        .thresholds(steps("green", [o.staleAfterSeconds, "red"]))
        .withTarget(
          promInstant("time() - max by (vantage) (mailsla_check_last_run_timestamp_seconds)", "{{vantage}}"),
        ),
      statPanel({
        title: "Last push to the collector, age",
        description: `Time since the collector last received results from each configured vantage point; red past ${o.agentSilentAfterSeconds} s (the MailslaAgentSilent alert).`,
        span: 6,
        height: 4,
      })
        .unit("s")
        .thresholds(steps("green", [o.agentSilentAfterSeconds, "red"]))
        .withTarget(
          promInstant("time() - max by (vantage) (mailsla_agent_last_push_timestamp_seconds)", "{{vantage}}"),
        ),
      statPanel({
        title: "Collector and its InfluxDB export",
        description: `Prometheus' up of the collector (job ${o.jobs.collector}) and the points waiting for InfluxDB (a queue that grows means InfluxDB is unreachable; nothing is lost).`,
        span: 6,
        height: 4,
      })
        .mappings(UP)
        .withTarget(promInstant(`max(up{job="${o.jobs.collector}"})`, "collector"))
        .overrideByName("InfluxDB queue", [
          { id: "mappings", value: [] },
          { id: "thresholds", value: steps("green", [1000, "orange"]).build() },
        ])
        .withTarget(promInstant("sum(mailsla_collector_influx_queue_points)", "InfluxDB queue")),
    ],
  };
}
