import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import {
  assemble,
  datasourceVariable,
  labelVariable,
  liveDashboard,
  type DashboardOptions,
} from "./common.js";
import { checksRow } from "./probe/checks.js";
import { deliveryRow } from "./probe/delivery.js";
import { hygieneRow } from "./probe/hygiene.js";
import { phasesRow } from "./probe/phases.js";
import { tlsRow } from "./probe/tls.js";

/**
 * The probe-detail dashboard (on-call, DESIGN "Who uses it"): per vantage point and check, what
 * failed and how, where the time goes, how delivery delays are distributed, and when certificates
 * expire. Where a page leads: the NOC overview says *that* something is wrong, this says *what*.
 */
export function probeDetailDashboard(o: DashboardOptions): dashboard.Dashboard {
  const builder = liveDashboard(
    "mailsla / Probe detail",
    "mailsla-probe-detail",
    o,
    "Per vantage point and check: failures by error code and stage, phase durations, delivery delay distribution, certificates, the security checks of SPEC 7.1.13 and 7.1.14, and sender hygiene.",
  )
    .withVariable(datasourceVariable("influxdb"))
    .withVariable(
      labelVariable("vantage", "Vantage point", "label_values(mailsla_check_runs_total, vantage)"),
    )
    .withVariable(
      labelVariable(
        "service",
        "Service",
        'label_values(mailsla_check_runs_total{vantage=~"$vantage"}, service)',
      ),
    )
    .withVariable(
      labelVariable(
        "delivery",
        "Delivery",
        'label_values(mailsla_delivery_sent_total{vantage=~"$vantage"}, delivery)',
      ),
    );
  return assemble(builder, [checksRow(), phasesRow(), deliveryRow(), tlsRow(o), hygieneRow()]);
}
