import * as common from "@grafana/grafana-foundation-sdk/common";
import { MEASUREMENTS } from "../../collector/influx/points.js";
import { INDICATORS } from "../../contract/indicators.js";
import { INFLUXDB, influxql, steps, type DashboardOptions, type Row } from "../common.js";
import {
  byDirection,
  delayAgeThresholds,
  delayClauses,
  faultAndMaintenanceMinutes,
  targetText,
} from "../indicator-fields.js";
import { barsPanel, graphPanel } from "../panels.js";

/**
 * Compliance row "12-month history": the dashboard's range (12 calendar months by default) day by
 * day. Daily figures come from InfluxDB, which keeps the raw records for years, grouped by calendar
 * days of the operator's zone (`tz()`); the month-to-date figures of the engine come from Prometheus
 * as far as its retention reaches (each month's peak is that month's figure).
 */

/** The row. */
export function historyRow(o: DashboardOptions): Row {
  const day = `GROUP BY time(1d), %TAG% fill(none) tz('${o.timeZone}')`;
  const byTag = (tag: string) => day.replace("%TAG%", `"${tag}"`);
  const influx = { datasource: INFLUXDB, span: 12 };
  const fault = INDICATORS.faultMinutes;
  const maintenance = INDICATORS.maintenanceMinutes;
  return {
    title: "History (12 months)",
    panels: [
      graphPanel({
        ...influx,
        title: "Checks passed per day and service",
        description: `Share of the checks of each service that passed, per calendar day in ${o.timeZone}, all vantage points together (InfluxDB records).`,
      })
        .unit("percentunit")
        .withTarget(
          influxql(
            `SELECT mean("success") FROM "${MEASUREMENTS.check}" WHERE $timeFilter ${byTag("check")}`,
            "$tag_check",
          ),
        ),
      byDirection(
        graphPanel({
          ...influx,
          title: `Delivery delay per day, average and maximum (${delayClauses("average")})`,
          description:
            "Mean and longest delay of delivered probe messages per calendar day and direction (InfluxDB records). Dashed lines: " +
            `the average target (${targetText("sendDelayAverage")}) and the maximum target (${targetText("sendDelayMaximum")}).`,
        })
          .unit("s")
          .scaleDistribution(
            new common.ScaleDistributionConfigBuilder().type(common.ScaleDistribution.Log).log(10),
          )
          .thresholds(steps("green")),
        delayAgeThresholds,
        "prefix",
      ).withTarget(
        influxql(
          `SELECT mean("delay_seconds") AS "average", max("delay_seconds") AS "maximum" FROM "${MEASUREMENTS.delivery}" WHERE "outcome" = 'delivered' AND $timeFilter ${byTag("direction")}`,
          "$tag_direction $col",
        ),
      ),
      barsPanel({
        ...influx,
        title: `Probe messages per day by outcome (${INDICATORS.lossRate.clause})`,
        description: `Probe messages per calendar day: delivered, spam, lost (SPEC ${INDICATORS.lossRate.clause}) or send-failed (InfluxDB records).`,
      }).withTarget(
        influxql(
          `SELECT sum("count") FROM "${MEASUREMENTS.delivery}" WHERE $timeFilter ${byTag("outcome")}`,
          "$tag_outcome",
        ),
      ),
      faultAndMaintenanceMinutes(
        graphPanel({
          title: `Month-to-date fault and maintenance minutes (${fault.clause} ${targetText("faultMinutes")}, ${maintenance.clause} ${targetText("maintenanceMinutes")})`,
          description:
            "The engine's month-to-date user-weighted minutes from Prometheus: each month's peak is that month's figure. Reaches back as far as Prometheus keeps data.",
          span: 12,
        }).unit("m"),
      ),
    ],
  };
}
