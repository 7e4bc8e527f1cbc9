import { MEASUREMENTS } from "../../collector/influx/points.js";
import { INFLUXDB, influxql, prom, type Row } from "../common.js";
import { graphPanel } from "../panels.js";
import { CHECK_FILTER } from "./checks.js";

/**
 * Probe-detail row "Phase durations": where the time of a check goes, stage by stage (connect,
 * TLS, banner, EHLO, AUTH, login, ...), so a slow service can be told from a slow network. Recent
 * data from the agents' histogram; long history from InfluxDB's per-result phase fields.
 */

/** The row. */
export function phasesRow(): Row {
  const byPhase = "sum by (service, phase, le) (rate(mailsla_check_phase_duration_seconds_bucket";
  return {
    title: "Phase durations",
    panels: [
      graphPanel({
        title: "Phase duration, 90th percentile",
        description:
          "90th percentile of each protocol stage's duration per service, from the agents' histogram.",
        span: 12,
      })
        .unit("s")
        .withTarget(
          prom(
            `histogram_quantile(0.9, ${byPhase}{${CHECK_FILTER}}[$__rate_interval])))`,
            "{{service}} {{phase}}",
          ),
        ),
      graphPanel({
        title: "Phase duration, average",
        description: "Average duration of each protocol stage per service over the interval.",
        span: 12,
      })
        .unit("s")
        .withTarget(
          prom(
            `sum by (service, phase) (rate(mailsla_check_phase_duration_seconds_sum{${CHECK_FILTER}}[$__rate_interval]))
/ sum by (service, phase) (rate(mailsla_check_phase_duration_seconds_count{${CHECK_FILTER}}[$__rate_interval]))`,
            "{{service}} {{phase}}",
          ),
        ),
      graphPanel({
        title: "Phase durations, long history (InfluxDB)",
        description:
          "Mean of every phase_<stage>_seconds field of the check records per interval and service: the same stages over months.",
        span: 24,
        datasource: INFLUXDB,
      })
        .unit("s")
        .withTarget(
          influxql(
            `SELECT mean(/^phase_.*_seconds$/) FROM "${MEASUREMENTS.check}" WHERE "vantage" =~ /^$vantage$/ AND "check" =~ /^$service$/ AND $timeFilter GROUP BY time($__interval), "check" fill(none)`,
            "$tag_check $col",
          ),
        ),
    ],
  };
}
