import type { ReportModel } from "./model.js";
import {
  forceMajeureSection,
  incidentSection,
  indicatorSection,
  maintenanceSection,
} from "./sections-figures.js";
import { orphanSection } from "./sections-orphans.js";
import { junkSection } from "./sections-junk.js";
import { reputationSection } from "./sections-reputation.js";
import {
  coverageSection,
  deliverySection,
  headerFacts,
  securitySection,
  warningSection,
  yearSection,
} from "./sections-service.js";

/**
 * The report's content laid out once, as sections of text, tables and charts, in the order a
 * manager reads it. The HTML e-mail, the text alternative and the PDF each draw these same
 * sections, so they cannot drift apart in what they show, only in how.
 */

/** How a cell is coloured. */
export type Tone = "pass" | "fail" | "muted" | "warn" | "plain";

/** The colour of each tone, the same in the HTML e-mail and the PDF. */
export const TONE_COLOR: Readonly<Record<Tone, string>> = {
  pass: "#1e7b34",
  fail: "#b3261e",
  warn: "#9a6700",
  muted: "#6b7280",
  plain: "#1f2933",
};

/** The report's accent: its banner and section headings in the HTML e-mail and the PDF. */
export const ACCENT_COLOR = "#0b3d91";

/** A table cell: text, with an optional second line in small print. */
export interface Cell {
  readonly text: string;
  readonly sub?: string;
  readonly tone?: Tone;
  readonly bold?: boolean;
}

/** A table; `width` are relative column widths. */
export interface Table {
  readonly columns: { title: string; align?: "left" | "right"; width: number }[];
  readonly rows: Cell[][];
}

/** A piece of a section. */
export type Block =
  | { kind: "text"; text: string; tone?: Tone }
  | { kind: "table"; table: Table }
  | { kind: "chart"; id: "daily" | "trend" | "delays" }
  | { kind: "facts"; pairs: [string, string][] };

/** A table, or a muted sentence in its place when there are no rows (an empty table says nothing). */
export function tableOrNote(columns: Table["columns"], rows: Cell[][], none: string): Block {
  return rows.length === 0
    ? { kind: "text", text: none, tone: "muted" }
    : { kind: "table", table: { columns, rows } };
}

/** A titled part of the report. */
export interface Section {
  readonly title: string;
  readonly blocks: Block[];
}

/** The report as sections, in reading order. */
export function reportSections(m: ReportModel): Section[] {
  return [
    { title: "Report", blocks: [{ kind: "facts", pairs: headerFacts(m) }] },
    indicatorSection(m),
    incidentSection(m),
    maintenanceSection(m),
    forceMajeureSection(m),
    ...orphanSection(m),
    deliverySection(m),
    ...junkSection(m),
    securitySection(m),
    reputationSection(m),
    coverageSection(m),
    yearSection(m),
    ...warningSection(m),
  ];
}
