import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { formatPath } from "../../config/load.js";
import { SafeText } from "../../contract/text.js";
import type { CollectorStore } from "../store/index.js";
import type { ManualEntry } from "../store/manual.js";
import { Errors } from "../errors.js";
import { formatCsv, parseCsv } from "./csv.js";
import { compareClauses, MANUAL_CLAUSES } from "./manual-clauses.js";
import { parseOr400, type PathNamer } from "./validate.js";

/**
 * Manual indicators per month (7.1.1, 7.1.6, 7.1.7.2, 7.1.11, 7.1.15, 7.2.x) as JSON
 * `{ entries: [{ clause, value, note? }] }` or as CSV (`text/csv`, header `clause,value,note`, one
 * row per clause). PUT stores the given clauses in one transaction and leaves the others as they
 * are, so finance and customer service can each enter their own figures.
 */

const Month = z.strictObject({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected a month YYYY-MM"),
});
const MonthClause = Month.extend({ clause: z.string().min(1) });

const Entry = z
  .strictObject({
    clause: z.string().refine((c) => c in MANUAL_CLAUSES, { error: "not a clause entered by hand" }),
    value: z.union([z.number(), z.boolean()], { error: "expected a number or true/false" }),
    note: SafeText(2000).optional(),
  })
  .superRefine((e, ctx) => {
    const kind = MANUAL_CLAUSES[e.clause]?.value;
    const bad = (message: string) => ctx.addIssue({ code: "custom", path: ["value"], message });
    if (kind === "boolean" && typeof e.value !== "boolean") bad(`${e.clause} expects true or false`);
    if (kind !== "boolean" && typeof e.value !== "number") bad(`${e.clause} expects a number`);
    if (kind === "ratio" && typeof e.value === "number" && (e.value < 0 || e.value > 1)) {
      bad(`${e.clause} is a ratio in [0, 1] (write 0.8 or 80%, not 80)`);
    }
  });

const Entries = z.strictObject({
  entries: z
    .array(Entry)
    .min(1)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((e, i) => {
        if (seen.has(e.clause))
          ctx.addIssue({ code: "custom", path: [i, "clause"], message: "clause given twice" });
        seen.add(e.clause);
      });
    }),
});

/** A CSV cell to a JSON value: true/false/yes/no, numbers, percentages; else the text (refused). */
function cellValue(cell: string): unknown {
  const t = cell.trim();
  if (/^(true|yes)$/i.test(t)) return true;
  if (/^(false|no)$/i.test(t)) return false;
  const pct = /^(-?\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (pct) return Number(pct[1]) / 100;
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t;
}

/** CSV text to `{ entries }` plus a namer that reports problems by line. */
function fromCsv(text: string): { body: unknown; name: PathNamer } {
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (err) {
    throw Errors.unparseableBody((err as Error).message);
  }
  const header = rows[0]?.map((h) => h.trim().toLowerCase());
  if (
    !header ||
    header[0] !== "clause" ||
    header[1] !== "value" ||
    header.length > 3 ||
    (header[2] ?? "note") !== "note"
  ) {
    throw Errors.invalidBody('line 1: expected the header "clause,value,note"');
  }
  const entries = rows.slice(1).map((r) => ({
    clause: (r[0] ?? "").trim(),
    value: cellValue(r[1] ?? ""),
    ...(r[2]?.trim() ? { note: r[2].trim() } : {}),
  }));
  const name: PathNamer = (path) =>
    path[0] === "entries" && typeof path[1] === "number"
      ? `line ${path[1] + 2}${path.length > 2 ? ` ${formatPath(path.slice(2))}` : ""}`
      : formatPath(path);
  return { body: { entries }, name };
}

function wantsCsv(req: FastifyRequest): boolean {
  return (
    /\btext\/csv\b/.test(req.headers.accept ?? "") || (req.query as { format?: string }).format === "csv"
  );
}

/** Registers the manual-indicator routes (admin token checked by the caller's hook). */
export function manualRoutes(app: FastifyInstance, store: CollectorStore, now: () => number): void {
  const listed = async (month: string) =>
    (await store.manual.list(month)).sort((a, b) => compareClauses(a.clause, b.clause));
  app.put("/api/v1/manual/:month", async (req) => {
    const { month } = parseOr400(Month, req.params);
    const csv = typeof req.body === "string";
    const { body, name } = csv ? fromCsv(req.body as string) : { body: req.body, name: undefined };
    const { entries } = parseOr400(Entries, body, name);
    await store.manual.upsert(month, entries as ManualEntry[], now());
    return { month, entries: await listed(month) };
  });
  app.get("/api/v1/manual/:month", async (req, reply) => {
    const { month } = parseOr400(Month, req.params);
    const entries = await listed(month);
    if (!wantsCsv(req)) return { month, entries };
    const rows = entries.map((e) => [e.clause, String(e.value), e.note ?? ""]);
    return reply.type("text/csv; charset=utf-8").send(formatCsv([["clause", "value", "note"], ...rows]));
  });
  app.delete("/api/v1/manual/:month/:clause", async (req, reply) => {
    const { month, clause } = parseOr400(MonthClause, req.params);
    if (!(await store.manual.remove(month, clause)))
      throw Errors.notFound(`no entry for ${clause} in ${month}`);
    return reply.code(204).send();
  });
}
