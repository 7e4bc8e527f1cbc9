import type pg from "pg";

/**
 * `COPY ... FROM STDIN` over the `pg` client without pg-copy-streams (not a dependency): a
 * submittable query that answers the server's CopyInResponse with the data in CopyData messages
 * and CopyDone, and resolves with the rows the server reports copied. Ingest stores a batch with it
 * (results.ts: a fraction of the server's CPU of an `INSERT ... ON CONFLICT`), and the benches use
 * it as the floor of a bulk load; rows are given in COPY's text format ({@link copyText}).
 */

/** What the client calls on an active query (pg's Submittable; only COPY's messages matter here). */
interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

const CHUNK = 1 << 20;

/** Runs `sql` (a `COPY table (cols) FROM STDIN`) feeding it `data`; resolves to the rows copied. */
export function copyFrom(client: pg.ClientBase, sql: string, data: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    const submittable = {
      submit(con: Connection) {
        con.query(sql);
      },
      handleCopyInResponse(con: Connection) {
        for (let i = 0; i < data.length; i += CHUNK) con.sendCopyFromChunk(data.subarray(i, i + CHUNK));
        con.endCopyFrom();
      },
      handleCommandComplete(msg: { text?: string }) {
        rows = Number(/^COPY (\d+)/.exec(msg.text ?? "")?.[1] ?? 0);
      },
      // pg's client forgets the active query on an error: ReadyForQuery then reaches no one.
      handleError(err: Error) {
        reject(err);
      },
      handleReadyForQuery() {
        resolve(rows);
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleEmptyQuery() {},
      handlePortalSuspended() {},
      handleCopyData() {},
    };
    client.query(submittable as unknown as pg.Submittable);
  });
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One value in COPY's text format: NULL as \N, backslash, tab and line breaks escaped. */
function field(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  if (typeof v === "number") return String(v);
  const s = String(v);
  return SPECIAL.test(s) ? s.replace(SPECIALS, (c) => ESCAPED[c]!) : s;
}

/** Rows (arrays of column values) as COPY's text format, built as one string and encoded once. */
export function copyText(rows: readonly (readonly unknown[])[]): Buffer {
  let text = "";
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) text += i === 0 ? field(row[i]) : "\t" + field(row[i]);
    text += "\n";
  }
  return Buffer.from(text);
}
