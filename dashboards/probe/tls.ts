import { MEASUREMENTS } from "../../collector/influx/points.js";
import { INDICATORS } from "../../contract/indicators.js";
import {
  INFLUXDB,
  influxql,
  prom,
  promTable,
  steps,
  valueText,
  type DashboardOptions,
  type Row,
} from "../common.js";
import { PASS_FAIL } from "../indicator-fields.js";
import { graphPanel, tablePanel } from "../panels.js";
import { CHECK_FILTER } from "./checks.js";

/**
 * Probe-detail row "Certificates and security": when each service's certificate expires (as
 * presented to each vantage point, so a forgotten node behind a balancer shows), and the evidence
 * of 7.1.13 (AUTH required) and 7.1.14 (no open relay) per service and vantage point.
 */

const DAY = 86_400;

/** The row. */
export function tlsRow(o: DashboardOptions): Row {
  const { warning, page } = o.certificateDays;
  const auth = INDICATORS.smtpAuthRequired;
  const relay = INDICATORS.openRelayClosed;
  return {
    title: `Certificates and security (${auth.clause}, ${relay.clause})`,
    panels: [
      tablePanel({
        title: "Certificate expires in",
        description: `Time until the certificate each service presented in its latest check expires, per vantage point: amber under ${warning} days, red under ${page} days (the certificate alerts).`,
        span: 12,
      })
        .unit("s")
        .thresholds(steps("red", [page * DAY, "orange"], [warning * DAY, "green"]))
        .overrideByName("Value", [{ id: "custom.cellOptions", value: { type: "color-background" } }])
        .withTarget(
          promTable(
            `min by (service, vantage) (mailsla_tls_certificate_not_after_timestamp_seconds{${CHECK_FILTER}}) - time()`,
          ),
        ),
      tablePanel({
        title: `${auth.clause} ${auth.title} / ${relay.clause} ${relay.title}, per service and vantage point`,
        description: `The latest verdict of each security check: PASS when the check proved the clause holds, FAIL when it found a violation (SPEC ${auth.clause}, ${relay.clause}). A check that failed for another reason keeps the previous verdict.`,
        span: 12,
      })
        .mappings(valueText(PASS_FAIL))
        .overrideByName("Value", [{ id: "custom.cellOptions", value: { type: "color-background" } }])
        .withTarget(
          promTable(`min by (service, vantage, clause) (mailsla_security_compliant{${CHECK_FILTER}})`),
        ),
      graphPanel({
        title: "Certificate time left over time",
        description:
          "Time left on each service's certificate as the agents saw it: a renewal shows as a jump up.",
        span: 12,
      })
        .unit("s")
        .thresholds(steps("red", [page * DAY, "orange"], [warning * DAY, "green"]))
        .withTarget(
          prom(
            `min by (service, vantage) (mailsla_tls_certificate_not_after_timestamp_seconds{${CHECK_FILTER}}) - time()`,
            "{{service}} @ {{vantage}}",
          ),
        ),
      graphPanel({
        title: "Certificate time left, long history (InfluxDB)",
        description:
          "tls_expiry_seconds of the check records (certificate expiry minus check start), smallest per interval and service.",
        span: 12,
        datasource: INFLUXDB,
      })
        .unit("s")
        .thresholds(steps("red", [page * DAY, "orange"], [warning * DAY, "green"]))
        .withTarget(
          influxql(
            `SELECT min("tls_expiry_seconds") FROM "${MEASUREMENTS.check}" WHERE "vantage" =~ /^$vantage$/ AND "check" =~ /^$service$/ AND $timeFilter GROUP BY time($__interval), "check" fill(none)`,
            "$tag_check",
          ),
        ),
    ],
  };
}
