import type { ReportModel } from "./model.js";
import type { Cell, Section, Tone } from "./sections.js";

/**
 * The "sender reputation" section (issue 14): whether other providers can trust the operator's mail,
 * as eight pass/fail rows, each with the clause or note of the ISC E-mail Marketing Specification
 * V1.2 (or SPEC 7.1.15) it comes from and the evidence behind its verdict. Its own module so the
 * section's layout lives beside nothing else.
 */

const TONE: Record<ReportModel["reputation"][number]["verdict"], Tone> = {
  pass: "pass",
  fail: "fail",
  unproven: "warn",
};

/** The section: a headline of counts, then one row per clause. */
export function reputationSection(m: ReportModel): Section {
  const rows = m.reputation.map((r): Cell[] => [
    { text: r.clause },
    { text: r.title, sub: r.asks },
    {
      text: r.verdict.toUpperCase(),
      tone: TONE[r.verdict],
      bold: r.verdict !== "pass",
    },
    { text: r.evidence, ...(r.services.length ? { sub: `checks: ${r.services.join(", ")}` } : {}) },
  ]);
  const count = (v: string) => m.reputation.filter((r) => r.verdict === v).length;
  const [pass, fail, unproven] = [count("pass"), count("fail"), count("unproven")];
  const headline =
    `${pass} pass, ${fail} fail, ${unproven} UNPROVEN. Clauses of the ISC E-mail Marketing Specification V1.2` +
    ` (section 2.2 and its notes) and SPEC 7.1.15, judged from the sender-hygiene checks` +
    ` (docs/sender-hygiene.md); reputation, never fault time.`;
  return {
    title: "Sender reputation (marketing specification 2.2, SPEC 7.1.15)",
    blocks: [
      { kind: "text", text: headline, tone: fail > 0 ? "fail" : unproven > 0 ? "warn" : "pass" },
      {
        kind: "table",
        table: {
          columns: [
            { title: "Clause", width: 15 },
            { title: "Requirement", width: 27 },
            { title: "Verdict", width: 12 },
            { title: "Evidence", width: 46 },
          ],
          rows,
        },
      },
    ],
  };
}
