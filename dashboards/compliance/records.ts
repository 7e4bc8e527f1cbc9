import * as common from "@grafana/grafana-foundation-sdk/common";
import { INDICATORS } from "../../contract/indicators.js";
import { MEASUREMENTS } from "../../collector/influx/points.js";
import { INFLUXDB, influxql, type Row } from "../common.js";
import { byDirection, delayClauses, targetThresholds } from "../indicator-fields.js";
import { statPanel } from "../panels.js";
import { inMonth } from "./month.js";

/**
 * Compliance row "The chosen month from probe records": the same month recomputed in InfluxDB
 * from the raw records the collector exports (collector/influx/points.ts). The delay averages and
 * maxima of 7.1.8 and 7.1.9 are plain statistics of probe messages, so InfluxQL reproduces them and
 * shows them beside the engine's figures; fault minutes need the quorum and are left to the engine.
 */

const CHECK = `"${MEASUREMENTS.check}"`;
const DELIVERY = `"${MEASUREMENTS.delivery}"`;

/** The row. */
export function recordsRow(): Row {
  const head = (title: string, description: string) => ({
    title,
    description,
    span: 6,
    datasource: INFLUXDB,
  });
  return {
    title: "The chosen month from probe records (InfluxDB)",
    panels: [
      inMonth(
        byDirection(
          statPanel(
            head(
              `Delivery delay, average (${delayClauses("average")}), from records`,
              `Mean delay of the probe messages delivered in the chosen month, by direction (SPEC ${INDICATORS.sendDelayAverage.clause} send, ${INDICATORS.receiveDelayAverage.clause} receive; roundtrip has no clause).`,
            ),
          ).unit("s"),
          (keys) => targetThresholds(keys.average),
        ).withTarget(
          influxql(
            `SELECT mean("delay_seconds") FROM ${DELIVERY} WHERE "outcome" = 'delivered' AND $timeFilter GROUP BY "direction"`,
            "$tag_direction",
          ),
        ),
      ),
      inMonth(
        byDirection(
          statPanel(
            head(
              `Delivery delay, maximum (${delayClauses("maximum")}), from records`,
              "Longest delay of a delivered probe message in the chosen month, by direction. The engine's maximum also counts messages still in flight or lost; this one only delivered messages.",
            ),
          ).unit("s"),
          (keys) => targetThresholds(keys.maximum),
        ).withTarget(
          influxql(
            `SELECT max("delay_seconds") FROM ${DELIVERY} WHERE "outcome" = 'delivered' AND $timeFilter GROUP BY "direction"`,
            "$tag_direction",
          ),
        ),
      ),
      inMonth(
        statPanel(
          head(
            `Probe messages by outcome (${INDICATORS.lossRate.clause})`,
            `Probe messages of the chosen month by direction and outcome: delivered, spam, lost (SPEC ${INDICATORS.lossRate.clause} ${INDICATORS.lossRate.title} = lost / (delivered + lost)) or send-failed.`,
          ),
        )
          .colorMode(common.BigValueColorMode.None)
          .withTarget(
            influxql(
              `SELECT sum("count") FROM ${DELIVERY} WHERE $timeFilter GROUP BY "direction", "outcome"`,
              "$tag_direction $tag_outcome",
            ),
          ),
      ),
      inMonth(
        statPanel(
          head(
            "Checks passed per service",
            "Share of the checks of each service that passed in the chosen month, all vantage points together: the raw evidence behind the fault minutes (one failing vantage point is not a fault).",
          ),
        )
          .unit("percentunit")
          .decimals(3)
          .colorMode(common.BigValueColorMode.None)
          .withTarget(
            influxql(`SELECT mean("success") FROM ${CHECK} WHERE $timeFilter GROUP BY "check"`, "$tag_check"),
          ),
      ),
    ],
  };
}
