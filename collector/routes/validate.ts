import type { z } from "zod";
import { formatPath } from "../../config/load.js";
import { ApiError, Errors, type Refusal } from "../errors.js";

/**
 * Schema validation for request bodies and parameters, answering 400 with every problem as
 * `key.path: what was expected` (e.g. `records[3].payload.startedAt: expected number`), the same
 * wording the configuration uses, and the indices of the ingest records at fault.
 */

const MAX_LISTED = 10;

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  return issue.message.replace(/^Invalid input: /, "").replace(/^Invalid input$/, "invalid value");
}

/** How a path is shown: `formatPath` by default; CSV bodies show line numbers instead. */
export type PathNamer = (path: readonly PropertyKey[]) => string;

/** The indices of records named by issue paths `records[i]...`, sorted. */
function recordIndices(issues: readonly z.core.$ZodIssue[]): number[] {
  const found = new Set<number>();
  for (const { path } of issues) {
    if (path[0] === "records" && typeof path[1] === "number") found.add(path[1]);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The rule an issue broke, as a stable code: the one a refinement named (`params.rule`, or
 * "(rule: x)" in a contract message), else one derived from zod's own issue code.
 */
export function ruleOf(issue: z.core.$ZodIssue): string {
  const named = (issue as { params?: { rule?: unknown } }).params?.rule;
  if (typeof named === "string") return named;
  const inMessage = /\(rule: ([a-z-]+)\)/.exec(issue.message);
  if (inMessage) return inMessage[1]!;
  switch (issue.code) {
    case "unrecognized_keys":
      return "unknown-key";
    case "invalid_type":
      return issue.input === undefined ? "missing" : "wrong-type";
    case "too_big":
    case "too_small":
      return issue.origin === "string" || issue.origin === "array" ? "length" : "out-of-range";
    case "invalid_format":
      return "format";
    default:
      return "invalid-value";
  }
}

/** The refusals of ingest records among the issues (paths `records[i]...`). */
function refusalsOf(issues: readonly z.core.$ZodIssue[], name: PathNamer): Refusal[] {
  const seen = new Set<string>();
  return issues.flatMap((i) => {
    if (i.path[0] !== "records" || typeof i.path[1] !== "number") return [];
    const field = name(i.path);
    if (seen.has(field)) return []; // the contract's cap and the configuration's bound on one field
    seen.add(field);
    return [{ record: i.path[1], field, rule: ruleOf(i), message: describe(i) }];
  });
}

/** One 400 error listing the issues. */
export function invalid(issues: readonly z.core.$ZodIssue[], name: PathNamer = formatPath): ApiError {
  const lines = issues
    .slice(0, MAX_LISTED)
    .map((i) => (i.path.length > 0 ? `${name(i.path)}: ${describe(i)}` : describe(i)));
  if (issues.length > MAX_LISTED) lines.push(`... and ${issues.length - MAX_LISTED} more`);
  const records = recordIndices(issues);
  const message = lines.join("; ");
  if (records.length === 0) return Errors.invalidBody(message);
  const e = Errors.invalidBody.forRecords(records, message);
  return new ApiError(e.code, e.statusCode, e.message, records, refusalsOf(issues, name));
}

/** Parses `value` with `schema` or throws the 400 {@link invalid} builds. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, name?: PathNamer): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(r.error.issues, name);
  return r.data;
}

/** {@link parseOr400} for schemas with asynchronous refinements (ingest admission asks the ledger). */
export async function parseOr400Async<S extends z.ZodType>(
  schema: S,
  value: unknown,
  name?: PathNamer,
): Promise<z.output<S>> {
  const r = await schema.safeParseAsync(value);
  if (!r.success) throw invalid(inRecordOrder(r.error.issues), name);
  return r.data;
}

/**
 * The issues with those of ingest records in record order, as a synchronous parse lists them: an
 * asynchronous refinement that waits for the ledger adds its issue after later records' ones. Only
 * the record issues' places are reordered (a stable sort among them); every other issue stays put.
 */
function inRecordOrder(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const index = (i: z.core.$ZodIssue) =>
    i.path[0] === "records" && typeof i.path[1] === "number" ? i.path[1] : undefined;
  const slots = issues.flatMap((i, at) => (index(i) === undefined ? [] : [at]));
  const sorted = slots.map((at) => issues[at]!).sort((a, b) => index(a)! - index(b)!);
  const out = [...issues];
  slots.forEach((at, k) => (out[at] = sorted[k]!));
  return out;
}
