/**
 * Per-hop breakdown of a delivered message from its `Received:` headers. Supporting detail only: the
 * headline delay is measured on the agent's own clock, because header times come from other hosts'
 * clocks, have one-second resolution and can be forged. Never throws: a header it cannot read
 * becomes a hop without a time.
 */

/** One `Received:` header, newest first as they appear in the message. */
export interface Hop {
  from?: string;
  by?: string;
  with?: string;
  /** Unix ms, when the header carried a readable date. */
  at?: number;
}

const MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split(" ");

/**
 * Parses an RFC 5322 date-time ("Sun, 22 Nov 2026 11:03:48 +0800 (CST)"), tolerant of a missing
 * weekday, seconds or zone comment. Returns undefined rather than guessing.
 */
export function parseMailDate(text: string): number | undefined {
  const m =
    /(?:^|[\s,])(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|ut|gmt|z)?/i.exec(
      text,
    );
  if (!m) return undefined;
  const [, d, mon, y, hh, mm, ss, zone] = m;
  const month = MONTHS.indexOf(mon!.toLowerCase());
  if (month < 0) return undefined;
  let year = Number(y);
  if (year < 100) year += year < 50 ? 2000 : 1900;
  const day = Number(d);
  const [h, min, s] = [Number(hh), Number(mm), Number(ss ?? 0)];
  if (day < 1 || day > 31 || h > 23 || min > 59 || s > 60) return undefined;
  let offsetMin = 0;
  if (zone && /^[+-]/.test(zone)) {
    const sign = zone[0] === "-" ? -1 : 1;
    offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  }
  const t = Date.UTC(year, month, day, h, min, s) - offsetMin * 60_000;
  return Number.isFinite(t) ? t : undefined;
}

function clause(body: string, word: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${word}\\s+([^\\s;()]+)`, "i").exec(body);
  return m?.[1];
}

/** Parses one `Received:` header value (without the field name), unfolded or not. */
export function parseReceived(value: string): Hop {
  const text = value.replace(/\r?\n[ \t]+/g, " ");
  const semi = text.lastIndexOf(";");
  const body = semi >= 0 ? text.slice(0, semi) : text;
  const hop: Hop = {};
  const from = clause(body, "from");
  const by = clause(body, "by");
  const via = clause(body, "with");
  if (from) hop.from = from;
  if (by) hop.by = by;
  if (via) hop.with = via;
  const at = semi >= 0 ? parseMailDate(text.slice(semi + 1)) : undefined;
  if (at !== undefined) hop.at = at;
  return hop;
}

/** All `Received:` headers of a raw message header block, newest first, each parsed. */
export function receivedHops(rawHeaders: string): Hop[] {
  const unfolded = rawHeaders.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const hops: Hop[] = [];
  for (const line of unfolded.split(/\r?\n/)) {
    const m = /^received:\s*(.*)$/i.exec(line);
    if (m) hops.push(parseReceived(m[1]!));
  }
  return hops;
}

/**
 * Seconds between consecutive hops, oldest first, where both have a time: the per-hop view that
 * helps locate a delay (which server held the message), never the headline figure.
 */
export function hopDelays(hops: readonly Hop[]): { by: string; seconds: number }[] {
  const ordered = [...hops].reverse();
  const out: { by: string; seconds: number }[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const prev = ordered[i - 1]!;
    const cur = ordered[i]!;
    if (prev.at !== undefined && cur.at !== undefined) {
      out.push({ by: cur.by ?? "?", seconds: (cur.at - prev.at) / 1000 });
    }
  }
  return out;
}
