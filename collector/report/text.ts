import type { ReportModel } from "./model.js";
import { reportSections, type Block, type Table } from "./sections.js";

/**
 * The report as plain text: the e-mail's text/plain alternative, for clients that show no HTML
 * and for filters and archives that index text. Same sections, columns padded with spaces.
 */

function table(t: Table): string[] {
  const cells = [
    t.columns.map((c) => c.title),
    ...t.rows.map((r) => r.map((c) => (c.sub ? `${c.text} (${c.sub})` : c.text))),
  ];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r, n) => {
    const line = r
      .map((v, i) => (t.columns[i]?.align === "right" ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
    return n === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
  });
}

function block(b: Block, charts: boolean): string[] {
  switch (b.kind) {
    case "text":
      return [b.text];
    case "facts": {
      const w = Math.max(...b.pairs.map(([k]) => k.length));
      return b.pairs.map(([k, v]) => `${`${k}:`.padEnd(w + 2)}${v}`);
    }
    case "table":
      return table(b.table);
    case "chart":
      return charts ? [`[chart: ${b.id}, see the HTML part or the PDF]`] : [];
  }
}

/** The whole report as text. */
export function renderText(model: ReportModel): string {
  const out = [model.title, "=".repeat(model.title.length), ""];
  for (const s of reportSections(model)) {
    out.push(s.title, "-".repeat(s.title.length));
    for (const b of s.blocks) out.push(...block(b, true), "");
  }
  return out.join("\n");
}
