import { INDICATORS, RULES } from "../../contract/indicators.js";
import { prom, promInstant, steps, valueText, type Row } from "../common.js";
import { statPanel, timelinePanel } from "../panels.js";

/**
 * NOC row "Incidents and maintenance": what is going on now that the month's figures will carry
 * (incidents behind 7.1.2, maintenance behind 7.1.3) and whether a window breaks the 24-hour notice
 * rule of 6.1.6, in which case its down time counts as fault by default.
 */

/** The row. */
export function incidentsRow(): Row {
  const fault = INDICATORS.faultMinutes.clause;
  const maintenance = INDICATORS.maintenanceMinutes.clause;
  const notice = RULES.maintenanceNotice;
  return {
    title: `Incidents and maintenance (${fault}, ${maintenance}, ${notice.clause})`,
    panels: [
      statPanel({
        title: `Incidents going on (${fault})`,
        description: `Incidents (maximal faults of one segment) not ended yet, per segment: the rows behind SPEC ${fault}.`,
        span: 6,
        height: 4,
      })
        .thresholds(steps("green", [1, "red"]))
        .withTarget(
          promInstant('sum by (segment) (mailsla_incidents_active{segment=~"$segment"})', "{{segment}}"),
        ),
      statPanel({
        title: `Incidents this month (${fault})`,
        description: `Incidents touching this calendar month, force majeure included, per segment (SPEC ${fault}; force majeure 1.5 is shown apart in the report).`,
        span: 6,
        height: 4,
      })
        .thresholds(steps("green", [1, "orange"]))
        .withTarget(
          promInstant('sum by (segment) (mailsla_sla_incidents{segment=~"$segment"})', "{{segment}}"),
        ),
      statPanel({
        title: `Maintenance windows (${maintenance})`,
        description: `Declared maintenance windows running now (active) or announced for later (upcoming); their down time counts towards SPEC ${maintenance}, not ${fault}.`,
        span: 6,
        height: 4,
      })
        .thresholds(steps("green", [1, "blue"]))
        .withTarget(promInstant("mailsla_maintenance_windows", "{{state}}")),
      statPanel({
        title: `Announced late (${notice.clause}: notice ≥ ${notice.target} h)`,
        description: `Windows not ended yet that were announced less than ${notice.target} hours before their start: SPEC ${notice.clause} ${notice.title}. Their down time counts as fault unless configured otherwise.`,
        span: 6,
        height: 4,
      })
        .thresholds(steps("green", [1, "red"]))
        .withTarget(promInstant("mailsla_maintenance_late_notice_windows", "late notice")),
      timelinePanel(
        {
          title: `Services under announced maintenance (${maintenance})`,
          description:
            "1 while an announced window covers the service in the segment; its down alerts are silenced meanwhile.",
          span: 24,
          height: 6,
        },
        valueText({
          "0": { text: "in service", color: "transparent" },
          "1": { text: "maintenance", color: "blue" },
        }),
      ).withTarget(
        prom(
          'max by (service, segment) (mailsla_maintenance_active{segment=~"$segment"})',
          "{{service}} / {{segment}}",
        ),
      ),
    ],
  };
}
