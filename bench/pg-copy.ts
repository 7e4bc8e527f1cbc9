import type pg from "pg";

/**
 * `COPY ... FROM STDIN` over the `pg` client without pg-copy-streams (not a dependency): a
 * submittable query that answers the server's CopyInResponse with the data in CopyData messages
 * and CopyDone, and resolves with the rows the server reports copied. The floor a bulk load sets
 * for the ingest benches; rows are given in COPY's text format ({@link copyText}).
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
    let error: Error | undefined;
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
      handleError(err: Error) {
        error = err;
      },
      handleReadyForQuery() {
        if (error) reject(error);
        else resolve(rows);
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

/** One value in COPY's text format: NULL as \N, backslash, tab and line breaks escaped. */
function field(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  const s = String(v);
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : s;
}

/** Rows (arrays of column values) as COPY's text format. */
export function copyText(rows: readonly (readonly unknown[])[]): Buffer {
  return Buffer.from(rows.map((r) => r.map(field).join("\t")).join("\n") + "\n");
}
