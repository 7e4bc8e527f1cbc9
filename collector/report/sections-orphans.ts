import type { ReportModel } from "./model.js";
import type { Block, Cell, Section } from "./sections.js";

/**
 * What the report says about incidents beyond their minutes: which services broke in each, with
 * the error code and stage they first failed with and the vantage points that confirmed them; and
 * the orphaned annotations, a cause or force majeure mark whose incident a late result moved away
 * or removed. An orphan excuses nothing now, and the manager sees that rather than finding the
 * excused minutes silently back in the figures.
 */

/** One row per service per incident: the incident's start, the service, its first error, where from. */
export function whatBrokeBlocks(m: ReportModel): Block[] {
  const rows = m.incidents.flatMap((i) =>
    i.services.map((s): Cell[] => [
      { text: i.show.start, sub: i.segment },
      { text: s.service, bold: true },
      { text: s.code ?? "not recorded", ...(s.stage ? { sub: `at ${s.stage}` } : {}) },
      { text: s.vantagePoints.join(", ") },
      { text: s.show.span },
    ]),
  );
  if (rows.length === 0) return [];
  return [
    {
      kind: "text",
      text: "What broke: each service down in an incident, with its first error.",
      tone: "muted",
    },
    {
      kind: "table",
      table: {
        columns: [
          { title: "Incident from", width: 20 },
          { title: "Service", width: 14 },
          { title: "First error", width: 16 },
          { title: "Confirmed from", width: 22 },
          { title: "Down", width: 28 },
        ],
        rows,
      },
    },
  ];
}

/** The orphans section, or nothing when every annotation found its incident. */
export function orphanSection(m: ReportModel): Section[] {
  if (m.orphans.length === 0) return [];
  const rows = m.orphans.map((o): Cell[] => [
    { text: o.show.span, sub: o.incidentId },
    { text: o.segment ?? "" },
    { text: o.forceMajeure ?? "", ...(o.forceMajeure ? { tone: "warn" as const } : {}) },
    { text: o.cause ?? "" },
  ]);
  return [
    {
      title: "Annotations that match no incident any more",
      blocks: [
        {
          kind: "text",
          text: "Late results moved or removed the incidents these were made for; they excuse nothing now. Annotate the incident as it is now, or delete them.",
          tone: "warn",
        },
        {
          kind: "table",
          table: {
            columns: [
              { title: "Made for", width: 30 },
              { title: "Segment", width: 12 },
              { title: "Force majeure", width: 30 },
              { title: "Cause", width: 28 },
            ],
            rows,
          },
        },
      ],
    },
  ];
}
