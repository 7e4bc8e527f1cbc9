import { randomUUID } from "node:crypto";
import { openDatabase } from "../collector/store/db.js";
import type { ObservationSeries } from "../collector/sla/vantage-state.js";

/**
 * One month of the synthetic year written into a real ledger, so the recompute bench can time
 * what the SLA wiring does before the engine runs: store.results.observationSeries for a month.
 * Rows are written in arrival order (all series interleaved by time, as agents push them), with a
 * payload of a real result's size, because both decide how many pages a month's scan touches.
 */

export const CHECK_KIND: Record<string, string> = {
  mx: "smtp",
  submission: "submission",
  imap: "imap",
  pop3: "pop3",
  webmail: "webmail",
};

/**
 * The stored JSON of one series' results, the fields and size (~330 bytes) of what agents send,
 * put together from constant pieces: JSON.stringify per row would double the setup time.
 */
export function payloads(s: ObservationSeries): (id: string, startedAt: number, ok: boolean) => string {
  const kind = CHECK_KIND[s.service.split(".")[0]!] ?? "smtp";
  const head = `","check":${JSON.stringify(s.service)},"kind":"${kind}","vantage":${JSON.stringify(s.vantage)}`;
  const phases = `"phases":{"connect":0.012,"tls":0.031,"banner":0.004,"ehlo":0.002,"quit":0.001}`;
  const tls = `"subject":"CN=mail.example.net","protocol":"TLSv1.3"}`;
  const error = `,"error":{"code":"timeout","stage":"banner","message":"no answer within 10 s"}}`;
  return (id, at, ok) =>
    `{"id":"${id}${head},"startedAt":${at},"durationSeconds":0.142,"ok":${ok},${phases},` +
    `"tls":{"notAfter":${at + 5_184_000_000},${tls}${ok ? "}" : error}`;
}

/**
 * Writes the results of `series` in `[from, to)` into a new ledger at `file` with the store's own
 * schema and the columns its insert fills, all series interleaved by time. Setup, not the measured
 * path: no journal, no fsync, one transaction per ~100,000 rows. Returns the rows written.
 */
export function writeMonth(
  file: string,
  series: readonly ObservationSeries[],
  from: number,
  to: number,
): number {
  const db = openDatabase(file);
  // Setup only: no journal, no fsync, a large cache. openStore puts WAL and FULL back.
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -512000");
  const insert = db.prepare(`INSERT INTO check_results
    (id, service, vantage, kind, started_at, ok, code, stage, duration_seconds, payload, received_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0.142, ?, ?)`);
  const pair = db.prepare("INSERT OR IGNORE INTO check_series (service, vantage) VALUES (?, ?)");
  const writers = series.map((s) => ({
    s,
    kind: CHECK_KIND[s.service.split(".")[0]!] ?? "smtp",
    payload: payloads(s),
    next: lowerBound(s.at, from),
  }));
  let rows = 0;
  const chunk = db.transaction((until: number) => {
    for (const w of writers) {
      const { s, kind, payload } = w;
      for (; w.next < s.at.length && s.at[w.next]! < until; w.next++, rows++) {
        const id = randomUUID();
        const at = s.at[w.next]!;
        const ok = Boolean(s.ok[w.next]);
        const [code, stage] = ok ? [null, null] : ["timeout", "banner"];
        insert.run(
          id,
          s.service,
          s.vantage,
          kind,
          at,
          ok ? 1 : 0,
          code,
          stage,
          payload(id, at, ok),
          at + 2000,
        );
      }
      pair.run(s.service, s.vantage);
    }
  });
  const step = Math.max(60_000, Math.floor(100_000 / Math.max(1, series.length)) * 60_000);
  try {
    for (let t = from; t < to; t += step) chunk(Math.min(to, t + step));
  } finally {
    db.close();
  }
  return rows;
}

/** The first index whose value is >= `t` in a sorted column. */
export function lowerBound(xs: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
