import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, isNode } from "yaml";
import type { z } from "zod";
import { Config } from "./schema.js";

/**
 * Raised for any configuration problem, before anything starts. Its message lists every problem, one
 * per line, each with the key path (and the line in the file) and what was expected.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Renders a zod path the way it would be written in YAML terms: services[2].tls.mode */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(top level)" : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  if (issue.code === "invalid_type" && issue.message.includes("received undefined")) {
    return `missing; ${issue.message.replace(/^Invalid input: /, "").replace(/, received undefined$/, "")}`;
  }
  return issue.message.replace(/^Invalid input: /, "");
}

/**
 * Validates an already-parsed YAML/JSON value. `lineOf` maps a key path to a line number when the
 * value came from a file, so messages can point at it.
 */
export function parseConfig(
  value: unknown,
  source = "(inline)",
  lineOf: (path: readonly PropertyKey[]) => number | undefined = () => undefined,
): Readonly<Config> {
  const r = Config.safeParse(value ?? {});
  if (r.success) return deepFreeze(r.data);
  const problems = r.error.issues.map((issue) => {
    const line = lineOf(issue.path);
    return `${formatPath(issue.path)}${line ? ` (line ${line})` : ""}: ${describeIssue(issue)}`;
  });
  throw new ConfigError(source, problems);
}

/** Parses YAML text (a file's content) into a validated, frozen configuration. */
export function parseConfigText(text: string, source = "(inline)"): Readonly<Config> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `YAML syntax (line ${e.linePos?.[0].line ?? "?"}): ${e.message.split("\n")[0]}`),
    );
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return parseConfig(doc.toJS(), source, lineOf);
}

/** Reads and validates a configuration file. */
export function loadConfigFile(path: string): Readonly<Config> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(path, [
      `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    ]);
  }
  return parseConfigText(text, path);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
