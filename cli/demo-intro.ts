import { basename, delimiter, isAbsolute, relative, resolve } from "node:path";
import { DateTime } from "luxon";

/**
 * What the demo prints once at start: where to look and three commands to try, each runnable as
 * printed from the directory the demo was started in (paths relative to it, the command as this
 * process was invoked), so a newcomer's first copy-paste works.
 */

/** What the intro names. */
export interface DemoIntro {
  statusUrl: string;
  configFile: string;
  adminTokenFile: string;
  timeZone: string;
}

/** The intro's lines; `now`, `argv1`, `cwd` and `path` are parameters for tests. */
export function demoIntroLines(
  i: DemoIntro,
  now = Date.now(),
  argv1 = process.argv[1] ?? "mailsla",
  cwd = process.cwd(),
  path = process.env.PATH ?? "",
): string[] {
  const me = selfCommand(argv1, cwd, path);
  const config = shown(i.configFile, cwd);
  const token = shown(i.adminTokenFile, cwd);
  const month = DateTime.fromMillis(now, { zone: i.timeZone }).toFormat("yyyy-MM");
  const base = i.statusUrl.replace(/\/+$/, "");
  return [
    "mailsla demo: probing the built-in demo mail target (Ctrl-C stops it)",
    `  status page:  ${base}/`,
    `  admin token:  ${token} (mode 0600; MAILSLA_DEMO_ADMIN_TOKEN sets it)`,
    `  config:       ${config}`,
    "  try, from this directory:",
    `    ${me} report --config ${config} --month ${month} --format json`,
    `    curl -s -H "authorization: Bearer $(cat ${token})" "${base}/api/v1/sla?month=${month}"`,
    `    ${me} check --config ${config}`,
  ];
}

/** How to run this program again from `cwd`: `mailsla` when that is on PATH, else node or tsx with the path. */
export function selfCommand(argv1: string, cwd: string, path: string): string {
  const script = resolve(cwd, argv1);
  if (basename(argv1) === "mailsla") {
    const onPath = path.split(delimiter).some((dir) => dir && resolve(dir, "mailsla") === script);
    return onPath ? "mailsla" : shown(script, cwd);
  }
  return `${script.endsWith(".ts") ? "npx tsx" : "node"} ${shown(script, cwd)}`;
}

/** A path as the user types it: relative when inside `cwd`, shell-quoted when it needs it. */
function shown(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  const p = rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
  return /^[\w./@%+=:,-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}
