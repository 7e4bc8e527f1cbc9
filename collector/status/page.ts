import { DateTime } from "luxon";
import { showMonth } from "../report/format.js";
import { monthOf } from "../sla/calendar.js";
import type { StatusData } from "./data.js";
import { figuresHtml } from "./figures.js";
import { badge, esc, section, type Tone } from "./html.js";
import { hygieneHtml } from "./hygiene.js";
import { agentsHtml, incidentsHtml, liveHtml, maintenanceHtml, zoneOf } from "./sections.js";
import { STATUS_CSS } from "./style.js";

/**
 * The status page as one server-rendered document and as the JSON its script refreshes from. Both
 * come from one {@link StatusView}, so the first paint and every refresh show the same markup, and
 * the browser's script stays a few lines that swap changed sections (nothing is computed twice).
 */

/** The sections the script refreshes, by element id. */
export const SECTION_IDS = [
  "notices",
  "live",
  "figures",
  "incidents",
  "maintenance",
  "agents",
  "hygiene",
] as const;

/** What `/status.json` serves: rendered sections plus the figures' raw values for machines. */
export interface StatusView {
  readonly generatedAt: number;
  /** "Updated 22 Nov 14:05:03 (Asia/Shanghai)". */
  readonly updated: string;
  /** "Month to date: November 2025 (Asia/Shanghai)". */
  readonly period: string;
  readonly summary: { readonly tone: Tone; readonly text: string; readonly html: string };
  readonly sections: Record<(typeof SECTION_IDS)[number], string>;
  /** Whether the month's figures came from the SLA engine. */
  readonly engine: boolean;
}

const MAX_NAMES = 4;

function names(list: readonly string[]): string {
  const shown = list.slice(0, MAX_NAMES).join(", ");
  return list.length > MAX_NAMES ? `${shown} and ${list.length - MAX_NAMES} more` : shown;
}

/** What the wall screen must get across: a word (UP, DOWN, ...) and the detail, both in text. */
export interface Summary {
  readonly tone: Tone;
  readonly word: string;
  readonly detail: string;
}

/** The one sentence a wall screen must get across, in words (the tone only repeats it in colour). */
export function summarize(d: StatusData): Summary {
  const running = d.windows.filter((w) => w.effective.start <= d.now && d.now < w.effective.end);
  const scopes = running.map((w) => w.window.services?.join(", ") ?? "all services");
  const maint = running.length > 0 ? ` Maintenance in progress: ${names(scopes)}.` : "";
  const say = (tone: Tone, word: string, detail: string): Summary => ({
    tone,
    word,
    detail: `${detail}.${maint}`,
  });
  if (d.live) {
    const pair = (s: { service: string; segment: string }) => `${s.service} (${s.segment})`;
    const down = d.live.services.filter((s) => s.state === "down").map(pair);
    const unknown = d.live.services.filter((s) => s.state === "unknown").map(pair);
    if (down.length > 0) return say("down", "DOWN", names(down));
    if (unknown.length > 0) return say("unknown", "UNKNOWN", names(unknown));
    const n = new Set(d.live.services.map((s) => s.service)).size;
    return say(running.length > 0 ? "maint" : "up", "UP", `all ${n} services`);
  }
  if (d.latest.length === 0) return say("unknown", "UNKNOWN", "no check results yet");
  const failed = d.latest.filter((l) => !l.ok).map((l) => `${l.service} from ${l.vantage}`);
  if (failed.length > 0) return say("down", "FAILED", `newest check of ${names(failed)} (no quorum applied)`);
  return say("up", "OK", "newest checks all passed (no quorum applied)");
}

/**
 * The page's notices, and one that cannot be missed when the month's verdicts rest on too little:
 * the share of the month the monitoring saw and how many verdicts are UNPROVEN.
 */
function noticesHtml(d: StatusData): string {
  const notices = [...d.notices];
  const coverage = d.month?.coverage.ratio;
  if (d.month && coverage !== null && coverage !== undefined && coverage < 0.99) {
    const unproven = Object.values(d.month.figures).filter((f) => f.verdict === "unproven").length;
    notices.unshift(
      `The monitoring saw ${(coverage * 100).toFixed(2)} % of this month so far. ${unproven} verdict(s) ` +
        "are UNPROVEN: the unseen time could hold a failure, so they are not passes.",
    );
  }
  return notices.map((n) => `<p class="notice" role="note">${esc(n)}</p>`).join("");
}

/** Renders every part of the page from one reading. */
export function statusView(d: StatusData): StatusView {
  const zone = zoneOf(d);
  const s = summarize(d);
  const month = d.month?.month ?? monthOf(d.now, zone);
  const at = DateTime.fromMillis(d.now, { zone }).toFormat("dd LLL HH:mm:ss", { locale: "en" });
  return {
    generatedAt: d.now,
    updated: `Updated ${at} (${zone})`,
    period: `Month to date: ${showMonth(month)} (${zone})`,
    summary: {
      tone: s.tone,
      text: `${s.word}: ${s.detail}`,
      html: `${badge(s.tone, s.word)} <span>${esc(s.detail)}</span>`,
    },
    sections: {
      notices: noticesHtml(d),
      live: liveHtml(d),
      figures: figuresHtml(d.month, d.year),
      incidents: incidentsHtml(d),
      maintenance: maintenanceHtml(d),
      agents: agentsHtml(d),
      hygiene: hygieneHtml(d.hygiene ?? [], zone, d.now),
    },
    engine: d.month !== null,
  };
}

/** The whole document; the script at /status.js keeps it fresh. */
export function statusPage(v: StatusView): string {
  const s = v.sections;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Mail service status · mailsla</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>${STATUS_CSS}</style>
</head>
<body>
<header class="top">
<h1>Mail service status</h1>
<p class="meta"><span id="period">${esc(v.period)}</span> <span class="sep" aria-hidden="true">·</span> <span id="updated">${esc(v.updated)}</span></p>
</header>
<main>
<p id="summary" class="summary t-${v.summary.tone}" role="status" aria-live="polite" aria-atomic="true" data-text="${esc(v.summary.text)}">${v.summary.html}</p>
<div id="notices">${s.notices}</div>
<div class="grid">
<div class="col">
${section("live", "Live state", s.live)}
${section("agents", "Probe agents", s.agents)}
${section("incidents", "Incidents", s.incidents)}
</div>
<div class="col">
${section("figures", "Indicators this month (SPEC 7.1)", s.figures)}
${section("hygiene", "Sender hygiene (reputation, not availability)", s.hygiene)}
</div>
</div>
${section("maintenance", "Maintenance windows", s.maintenance)}
</main>
<footer><p>mailsla · states by quorum of vantage points, figures by the SLA engine, targets from the ISC public e-mail service specification · refreshes every few seconds · <a href="/status.json">JSON</a></p></footer>
<script src="/status.js" defer></script>
</body>
</html>
`;
}
