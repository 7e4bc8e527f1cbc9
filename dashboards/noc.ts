import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { assemble, labelVariable, liveDashboard, type DashboardOptions } from "./common.js";
import { agentsRow } from "./noc/agents.js";
import { budgetsRow } from "./noc/budgets.js";
import { deliveryRow } from "./noc/delivery.js";
import { incidentsRow } from "./noc/incidents.js";
import { servicesRow } from "./noc/services.js";

/**
 * The NOC overview (DESIGN "Who uses it"): is mail flowing for every segment, how long does
 * delivery take now, how much of this month's budget is gone, what is going on, and does the
 * monitoring still see. Live data only (Prometheus), refreshed every minute.
 */
export function nocDashboard(o: DashboardOptions): dashboard.Dashboard {
  const builder = liveDashboard(
    "mailsla / NOC overview",
    "mailsla-noc",
    o,
    "Live state of the mail service against the ISC public e-mail service specification (SPEC 7.1): service state per segment, delivery delay, month budgets, incidents, maintenance and the monitoring's own health.",
  ).withVariable(labelVariable("segment", "Segment", "label_values(mailsla_service_state, segment)"));
  return assemble(builder, [servicesRow(), deliveryRow(), budgetsRow(o), incidentsRow(), agentsRow(o)]);
}
