import { DateTime } from "luxon";
import { escapeHtml } from "../escape.js";

/**
 * The small HTML vocabulary of the status page: escaping (every name on the page comes from the
 * configuration or an operator, so none is trusted as markup), state badges that never rely on
 * colour alone, and the time formats of a page that refreshes every few seconds.
 */

/** Escapes text for an HTML text node or a quoted attribute (collector/escape.ts). */
export const esc = escapeHtml;

/** The tones a badge or a row may take; each has its own colour *and* its own word and glyph. */
export type Tone = "up" | "down" | "unknown" | "maint" | "pass" | "fail" | "none";

const GLYPH: Record<Tone, string> = {
  up: "●",
  down: "▼",
  unknown: "?",
  maint: "◆",
  pass: "✓",
  fail: "✗",
  none: "–",
};

/** A badge: a glyph (hidden from screen readers) and the word that carries the meaning. */
export function badge(tone: Tone, word: string): string {
  return `<span class="badge b-${tone}"><span aria-hidden="true">${GLYPH[tone]}</span> ${esc(word)}</span>`;
}

/** A section with its heading, labelled by it for assistive technology. */
export function section(id: string, title: string, body: string, extra = ""): string {
  return `<section class="card" id="s-${id}" aria-labelledby="h-${id}"${extra}><h2 id="h-${id}">${esc(title)}</h2><div id="${id}">${body}</div></section>`;
}

/** One body row: its header cell (the thing the row is about) and its data cells, as HTML. */
export interface Row {
  readonly head: string;
  readonly cells: readonly (string | { readonly html: string; readonly attrs: string })[];
  /** A class for the row: `row-down` tints it. */
  readonly cls?: string;
}

/**
 * A table with a hidden caption (the section heading says it), `scope`d column and row headers,
 * and each data cell labelled with its column, so a phone can show rows stacked as cards
 * (the label then shows before the value) and nothing needs scrolling sideways.
 */
export function table(caption: string, columns: readonly string[], rows: readonly Row[], cls = ""): string {
  // The roles repeat the elements' own: a phone lays rows out as grids, and some browsers drop a
  // table's semantics once its display changes.
  const head = columns.map((c) => `<th scope="col" role="columnheader">${esc(c)}</th>`).join("");
  const body = rows.map((r) => {
    const cells = r.cells.map((c, i) => {
      const { html, attrs } = typeof c === "string" ? { html: c, attrs: "" } : c;
      return `<td role="cell" data-label="${esc(columns[i + 1] ?? "")}"${attrs ? ` ${attrs}` : ""}>${html}</td>`;
    });
    return `<tr role="row"${r.cls ? ` class="${esc(r.cls)}"` : ""}><th scope="row" role="rowheader">${r.head}</th>${cells.join("")}</tr>`;
  });
  return `<table role="table" class="${esc(cls)}"><caption class="sr-only">${esc(caption)}</caption><thead role="rowgroup"><tr role="row">${head}</tr></thead><tbody role="rowgroup">${body.join("")}</tbody></table>`;
}

/** A paragraph for an empty table's place. */
export function empty(text: string): string {
  return `<p class="muted">${esc(text)}</p>`;
}

/** An instant in the operator's zone to the second, with a machine-readable `<time>`. */
export function when(ts: number, timeZone: string): string {
  const d = DateTime.fromMillis(ts, { zone: timeZone });
  return `<time datetime="${esc(d.toISO() ?? "")}">${esc(d.toFormat("dd LLL HH:mm:ss", { locale: "en" }))}</time>`;
}

/** A duration in words a NOC reads at a glance: "45 s", "12 min", "3 h 05 min", "2 d 4 h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * A gauge of a budget used so far (`used` of `of`). A `<meter>`, so no inline style is needed (the
 * page's CSP allows none) and the browser colours it by the low/high marks; hidden from screen
 * readers because the text beside it says the same.
 */
export function gauge(used: number, of: number): string {
  const v = Math.max(0, Math.min(of, used));
  return `<meter aria-hidden="true" min="0" max="${of}" low="${0.5 * of}" high="${0.8 * of}" optimum="0" value="${v}"></meter>`;
}
