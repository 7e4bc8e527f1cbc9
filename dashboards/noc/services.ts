import { INDICATORS } from "../../contract/indicators.js";
import { prom, promInstant, valueText, steps, type Row } from "../common.js";
import { statPanel, timelinePanel } from "../panels.js";

/**
 * NOC row "Service state": is mail flowing for every user segment? The quorum's verdict per
 * service and segment (the collector's engine, DESIGN step 2) beside the raw latest check from
 * each vantage point (the agents), so the NOC sees both the decision and the evidence.
 */

const STATE = valueText({
  "0": { text: "up", color: "green" },
  "1": { text: "unknown", color: "blue" },
  "2": { text: "down", color: "red" },
});

/** down = 2, unknown = 1, up = 0, per (service, segment): one band per pair. */
const STATE_EXPR = `
max by (service, segment) (mailsla_service_state{segment=~"$segment", state="down"}) * 2
+ max by (service, segment) (mailsla_service_state{segment=~"$segment", state="unknown"})`;

/** The row. */
export function servicesRow(): Row {
  const fault = INDICATORS.faultMinutes;
  return {
    title: "Service state per segment",
    panels: [
      timelinePanel(
        {
          title: "Service state per segment (quorum of vantage points)",
          description:
            "Down when at least the configured quorum of vantage points has a run of consecutive failures, unknown " +
            "when fewer than the quorum have a fresh result (neither fault nor fault-free), up otherwise. " +
            `A segment is in fault while any of its services is down: the time ${fault.clause} counts.`,
          span: 12,
        },
        STATE,
      ).withTarget(prom(STATE_EXPR, "{{service}} / {{segment}}")),
      timelinePanel(
        {
          title: "Latest check per service and vantage point (agents)",
          description:
            "The evidence behind the state: 1 when the latest check of the service from the vantage point passed. " +
            "One failing vantage point is not an outage until the quorum agrees.",
          span: 12,
        },
        valueText({ "0": { text: "fail", color: "red" }, "1": { text: "pass", color: "green" } }),
      ).withTarget(prom("min by (service, vantage) (mailsla_check_success)", "{{service}} @ {{vantage}}")),
      statPanel({
        title: `Segments in fault now (${fault.clause})`,
        description: `1 while a service of the segment is down outside an announced maintenance window: time counted by SPEC ${fault.clause} ${fault.title}.`,
        span: 12,
        height: 4,
      })
        .mappings(valueText({ "0": { text: "OK", color: "green" }, "1": { text: "IN FAULT", color: "red" } }))
        .withTarget(promInstant('mailsla_segment_in_fault{segment=~"$segment"}', "{{segment}}")),
      statPanel({
        title: `Users in fault now: ${fault.clause} budget burn rate`,
        description: `Users of segments in fault / all users: the rate at which the month's ${fault.target}-minute budget of SPEC ${fault.clause} burns (100 % = one budget minute per minute).`,
        span: 12,
        height: 4,
      })
        .unit("percentunit")
        .thresholds(steps("red"))
        .mappings(valueText({ "0": { text: "none", color: "green" } }))
        .withTarget(promInstant("mailsla_fault_users_ratio", "users in fault")),
    ],
  };
}
