import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { assemble, baseDashboard, datasourceVariable, type DashboardOptions } from "./common.js";
import { historyRow } from "./compliance/history.js";
import { monthRow } from "./compliance/month.js";
import { recordsRow } from "./compliance/records.js";

/**
 * The compliance dashboard (managers, DESIGN "Who uses it"): every measured SPEC 7.1 indicator of a
 * chosen calendar month against its target, the same month recomputed from raw records, and a
 * 12-month history. The monthly e-mail report remains the document of record; this is its live view.
 */

/** How many months back `$month` reaches: the 12 of the history. */
const MONTHS = 12;

/** `$month`: 0 is this month, 1 last month, ...; panels shift their calendar month by it. */
function monthVariable(): dashboard.CustomVariableBuilder {
  const text = (n: number) => (n === 0 ? "this month" : n === 1 ? "last month" : `${n} months ago`);
  const options = Array.from({ length: MONTHS }, (_, n) => ({
    text: text(n),
    value: String(n),
    selected: n === 0,
  }));
  return new dashboard.CustomVariableBuilder("month")
    .label("Month")
    .values(options.map((x) => `${x.text} : ${x.value}`).join(","))
    .current({ text: options[0]!.text, value: options[0]!.value, selected: true })
    .options(options);
}

/** The compliance dashboard. */
export function complianceDashboard(o: DashboardOptions): dashboard.Dashboard {
  const builder = baseDashboard(
    "mailsla / Compliance",
    "mailsla-compliance",
    o,
    "Every measured indicator of SPEC 7.1 for a chosen calendar month against its target (from the collector's engine, and recomputed from probe records in InfluxDB), with a 12-month history.",
  )
    .time({ from: `now-${MONTHS - 1}M/M`, to: "now" })
    .refresh("15m")
    .withVariable(datasourceVariable("prometheus"))
    .withVariable(datasourceVariable("influxdb"))
    .withVariable(monthVariable());
  return assemble(builder, [monthRow(), recordsRow(), historyRow(o)]);
}
