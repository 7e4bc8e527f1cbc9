import type { ReportModel } from "./model.js";
import type { Cell, Section } from "./sections.js";

/**
 * The report's "probe messages filed as spam" section (7.1.11 false positives, junk.ts), beside the
 * spam ratio the operator enters: only when the month has receive or roundtrip probes that arrived.
 */

/** The section, or none without arrived probe messages. */
export function junkSection(m: ReportModel): Section[] {
  const rows = m.junk.filter((j) => j.arrived > 0);
  if (rows.length === 0) return [];
  const entered = m.indicators.find((r) => r.key === "spamRatio");
  const cells = rows.map((j): Cell[] => [
    {
      text: j.direction === "receive" ? "Receiving" : "Round trip",
      sub: j.direction === "receive" ? "7.1.9" : "",
    },
    { text: String(j.arrived) },
    { text: String(j.spam), ...(j.spam > 0 ? { tone: "warn" as const } : {}) },
    { text: j.show.rate, bold: true },
  ]);
  return [
    {
      title: "Probe messages filed as spam (7.1.11 false positives)",
      blocks: [
        {
          kind: "text",
          text:
            `Probe messages are legitimate mail: each one found in the Junk folder is a false positive of the spam filter. ` +
            `Entered spam ratio (7.1.11): ${entered?.show.value ?? "not entered"}.`,
        },
        {
          kind: "table",
          table: {
            columns: [
              { title: "Direction", width: 28 },
              { title: "Arrived", width: 22, align: "right" },
              { title: "In Junk", width: 22, align: "right" },
              { title: "False-positive rate", width: 28, align: "right" },
            ],
            rows: cells,
          },
        },
      ],
    },
  ];
}
