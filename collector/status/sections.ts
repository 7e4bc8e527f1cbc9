import { DateTime } from "luxon";
import { defaultAlertOptions } from "../../alerts/options.js";
import type { OpenMaintenance } from "../metrics/live-state.js";
import { showHours, showMinutes } from "../report/format.js";
import { RULES } from "../../contract/indicators.js";
import type { IncidentService } from "../sla/incident-services.js";
import type { ForceMajeureReport, IncidentReport, OrphanReport } from "../sla/reports.js";
import { RAW_WINDOW_MS, type StatusData, type StatusWindow } from "./data.js";
import { badge, duration, empty, esc, table, when, type Row, type Tone } from "./html.js";

/**
 * The status page's sections other than the indicators: live state, agents, incidents (with what
 * broke, force majeure apart and orphaned annotations) and maintenance, each rendered from one
 * {@link StatusData}. The state words (UP, DOWN, UNKNOWN) are
 * the engine's quorum verdicts; without the engine the page shows raw check results in other
 * words (OK, FAILED), so the two can never be mistaken for each other.
 */

/** An agent silent this long is shown SILENT: the same limit as the MailslaAgentSilent alert. */
const SILENT_AFTER_MS = defaultAlertOptions().agentSilentAfterMs;
const INCIDENT_ROWS = 10;
const STATE: Record<"up" | "down" | "unknown", [Tone, string]> = {
  up: ["up", "UP"],
  down: ["down", "DOWN"],
  unknown: ["unknown", "UNKNOWN"],
};

/** The zone every time on the page is shown in: the operator's (the engine's), else UTC. */
export function zoneOf(d: StatusData): string {
  return d.month?.period.timeZone ?? "UTC";
}

function runningFor(m: readonly OpenMaintenance[], now: number, service: string, segment: string) {
  return m.some(
    (w) =>
      w.start <= now && now < w.end && w.covers.some((c) => c.service === service && c.segment === segment),
  );
}

/** Live state per (service, segment) by the engine, or the newest raw result per vantage point. */
export function liveHtml(d: StatusData): string {
  if (d.live) {
    const live = d.live;
    const rows = live.services.map((s): Row => {
      const [tone, word] = STATE[s.state];
      const inMaint = runningFor(live.maintenance, d.now, s.service, s.segment);
      const maint = inMaint ? ` ${badge("maint", "MAINTENANCE")}` : "";
      return { head: esc(s.service), cells: [esc(s.segment), badge(tone, word) + maint], cls: `row-${tone}` };
    });
    if (rows.length === 0) return empty("No services are configured.");
    return table("State of each service in each segment now", ["Service", "Segment", "State"], rows, "live");
  }
  if (d.latest.length === 0) return empty(`No check results in the last ${duration(RAW_WINDOW_MS)}.`);
  const zone = zoneOf(d);
  const rows = d.latest.map((l): Row => {
    const state = l.ok
      ? badge("up", "OK")
      : badge("down", "FAILED") + (l.code ? `<span class="sub">${esc(l.code)}</span>` : "");
    return {
      head: esc(l.service),
      cells: [esc(l.vantage), state, when(l.at, zone)],
      cls: l.ok ? "" : "row-down",
    };
  });
  const columns = ["Service", "Vantage point", "Newest check", "At"];
  return table("Newest check of each service from each vantage point", columns, rows, "live");
}

/** Each vantage point's last push and whether its agent still reports. */
export function agentsHtml(d: StatusData): string {
  if (d.agents.length === 0) return empty("No vantage points are configured.");
  const zone = zoneOf(d);
  const rows = d.agents.map((a): Row => {
    if (a.lastPushAt === null)
      return { head: esc(a.vantage), cells: ["never", badge("unknown", "NEVER SEEN")] };
    const age = d.now - a.lastPushAt;
    const silent = age >= SILENT_AFTER_MS;
    const last = `${when(a.lastPushAt, zone)}<span class="sub">${esc(duration(age))} ago</span>`;
    const state = silent ? badge("down", "SILENT") : badge("up", "REPORTING");
    return { head: esc(a.vantage), cells: [last, state], cls: silent ? "row-down" : "" };
  });
  const columns = ["Vantage point", d.live ? "Last push" : "Newest result", "Health"];
  const note = `SILENT after ${duration(SILENT_AFTER_MS)} without a push, as the MailslaAgentSilent alert.`;
  return (
    table("Probe agents by vantage point", columns, rows, "agents") + `<p class="muted">${esc(note)}</p>`
  );
}

/** A time of the incident's day as its clock reads ("14:20:00"), another day's in full. */
function timeIn(ts: number, day: number, zone: string): string {
  const t = DateTime.fromMillis(ts, { zone });
  if (!t.hasSame(DateTime.fromMillis(day, { zone }), "day")) return when(ts, zone);
  return `<time datetime="${esc(t.toISO() ?? "")}">${esc(t.toFormat("HH:mm:ss"))}</time>`;
}

/**
 * One service of an incident in a line: "imap connect at connect, from vp-a, vp-b, vp-c": the
 * error code and stage it first failed with and the vantage points that confirmed it, and its own
 * span ("14:20:00 – 20:00:00") when it is not the incident's.
 */
export function serviceLine(s: IncidentService, incident: IncidentReport, zone: string): string {
  const failed = s.code === null ? "failed" : `${s.code}${s.stage ? ` at ${s.stage}` : ""}`;
  const from = s.vantagePoints.map((v) => v.vantage).join(", ");
  const own = s.start !== incident.start || s.end !== incident.end;
  const end = s.end === null ? "now" : timeIn(s.end, incident.start, zone);
  const span = own ? `, ${timeIn(s.start, incident.start, zone)} – ${end}` : "";
  return `<span class="sub"><b>${esc(s.service)}</b> ${esc(failed)}${from ? `, from ${esc(from)}` : ""}${span}</span>`;
}

function incidentRow(i: IncidentReport, now: number, zone: string): Row {
  const active = i.end === null;
  const reasons = i.forceMajeure.map((f) => f.reason).join("; ");
  const fm = reasons ? `<span class="sub">force majeure (1.5): ${esc(reasons)}</span>` : "";
  const lasted = esc(duration((i.end ?? now) - i.start)) + (active ? '<span class="sub">so far</span>' : "");
  const weighted = `${esc(showMinutes(i.weightedMinutes))}<span class="sub">weight ${esc((i.weight * 100).toFixed(1))} %</span>`;
  const broke = i.services.map((s) => serviceLine(s, i, zone)).join("") || esc("not recorded");
  return {
    head: `${esc(i.segment)} ${active ? badge("down", "ACTIVE") : badge("none", "ENDED")}${fm}`,
    cells: [broke, when(i.start, zone), lasted, weighted],
    cls: active ? "row-down" : "",
  };
}

function markRow(f: ForceMajeureReport, zone: string): Row {
  const scope = `${f.segments.join(", ")}${f.services ? ` · ${f.services.join(", ")}` : ""}`;
  const what = f.kind === "incident" ? `incident ${f.incidentId ?? ""}` : scope;
  const span = `${when(f.start, zone)} – ${f.end === null ? "now" : when(f.end, zone)}`;
  return {
    head: `${esc(f.reason)}<span class="sub">${esc(what)}</span>`,
    cells: [span, esc(showMinutes(f.weightedMinutes))],
  };
}

/** Force majeure marks of the month (1.5), apart from the incidents they excuse, with their reasons. */
export function forceMajeureHtml(marks: readonly ForceMajeureReport[], zone: string): string {
  if (marks.length === 0) return "";
  const columns = ["Force majeure (1.5)", "Span", "Excused, weighted"];
  return table(
    "Force majeure marks of this month",
    columns,
    marks.map((f) => markRow(f, zone)),
    "force-majeure",
  );
}

/**
 * Annotations whose incident a late result moved away or removed: what the operator marked still
 * shows, with the span it was made for, never silently dropped. The cause is the operator's own
 * text for the API and report; the public page says only that a mark lost its incident.
 */
export function orphansHtml(orphans: readonly OrphanReport[], zone: string): string {
  if (orphans.length === 0) return "";
  const rows = orphans.map((o): Row => {
    const span =
      o.anchorStart === null
        ? esc(o.incidentId)
        : `${when(o.anchorStart, zone)}${o.anchorEnd === null ? "" : ` – ${when(o.anchorEnd, zone)}`}`;
    const mark = o.forceMajeure === null ? "annotation" : `force majeure: ${o.forceMajeure}`;
    return {
      head: `${badge("unknown", "ORPHANED")}<span class="sub">${esc(o.segment ?? "")}</span>`,
      cells: [span, esc(`${mark}; matches no incident any more, excuses nothing`)],
    };
  });
  const columns = ["Annotation", "Made for", "Now"];
  return table("Annotations that no incident matches any more", columns, rows, "orphans");
}

/** Active incidents first, then the month's latest, at most {@link INCIDENT_ROWS}. */
export function incidentsHtml(d: StatusData): string {
  const m = d.month;
  if (!m) return empty("Incidents are computed by the SLA engine; see the notice above.");
  const zone = zoneOf(d);
  // Older wirings (and tests' stubs) may lack the newer lists.
  const apart = forceMajeureHtml(m.forceMajeure?.marks ?? [], zone) + orphansHtml(m.orphans ?? [], zone);
  if (m.incidents.length === 0) return empty("No incidents this month.") + apart;
  const ongoing = (i: IncidentReport) => (i.end === null ? 0 : 1);
  const sorted = [...m.incidents].sort((a, b) => ongoing(a) - ongoing(b) || b.start - a.start);
  const rows = sorted.slice(0, INCIDENT_ROWS).map((i) => incidentRow(i, d.now, zone));
  const older = m.incidents.length - INCIDENT_ROWS;
  const more =
    older > 0 ? `<p class="muted">${older} older incidents of this month are in the report.</p>` : "";
  const columns = ["Incident", "What broke", "Started", "Lasted", "7.1.2 weighted"];
  return table("Incidents this month, active first", columns, rows, "incidents") + more + apart;
}

function windowStatus(w: StatusWindow, now: number): string {
  const cancelled = w.window.cancelledAt !== undefined && w.window.cancelledAt < w.window.end;
  if (cancelled && w.effective.end <= w.effective.start) return badge("none", "CANCELLED");
  if (now < w.effective.start) return badge("unknown", "PLANNED");
  if (now < w.effective.end) return badge("maint", "IN PROGRESS");
  return badge("none", cancelled ? "ENDED EARLY" : "ENDED");
}

function windowRow(w: StatusWindow, d: StatusData, downMinutes: number | undefined): Row {
  const zone = zoneOf(d);
  const hours = `${showHours(w.noticeHours)} notice`;
  const notice = w.late
    ? `${badge("fail", "LATE")}<span class="sub">${esc(hours)}; 6.1.6 asks ≥ ${RULES.maintenanceNotice.target} h</span>`
    : `${badge("pass", "ON TIME")}<span class="sub">${esc(hours)}</span>`;
  const countsAs = w.countedAs === "maintenance" ? "maintenance (7.1.3)" : "fault (7.1.2)";
  const down =
    downMinutes === undefined
      ? ""
      : `<span class="sub">${esc(showMinutes(downMinutes))} down, weighted</span>`;
  const scope = `${esc(w.window.services?.join(", ") ?? "all services")}<span class="sub">${esc(w.window.segments?.join(", ") ?? "all segments")}</span>`;
  const desc = w.description ? `<span class="sub">${esc(w.description)}</span>` : "";
  const at = w.window.cancelledAt;
  const cancelled =
    at !== undefined && at < w.window.end ? `<span class="sub">cancelled ${when(at, zone)}</span>` : "";
  return {
    head: `${when(w.window.start, zone)} – ${when(w.window.end, zone)} ${windowStatus(w, d.now)}${cancelled}${desc}`,
    cells: [scope, notice, esc(countsAs) + down],
    cls: w.effective.start <= d.now && d.now < w.effective.end ? "row-maint" : "",
  };
}

/** Declared windows of the month and later, each with its 6.1.6 notice judged. */
export function maintenanceHtml(d: StatusData): string {
  if (d.windows.length === 0) return empty("No maintenance declared this month.");
  const down = new Map((d.month?.maintenance ?? []).map((r) => [r.id, r.downWeightedMinutes]));
  const rows = d.windows.map((w) => windowRow(w, d, down.get(w.window.id)));
  const columns = ["Window", "Scope", "Notice (6.1.6)", "Down time counts as"];
  return table("Maintenance windows of this month and later", columns, rows, "maintenance");
}
