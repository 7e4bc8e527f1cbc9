/**
 * Once per test run (vitest globalSetup): builds dist/ so the tests of the compiled command run what
 * ships, and gives the run its own temporary root. Every test's temporary files land in that root
 * (TMPDIR is set before the workers start, so os.tmpdir() and mkdtemp point into it); teardown
 * removes it, and fails the run when a process started by a test still uses it or when a mailsla-*
 * entry appeared directly in /tmp (a test that bypassed TMPDIR); other new entries in /tmp are
 * reported (a failure only with CI=true and MAILSLA_TEST_STRICT_TMP=1, for a machine nothing else
 * writes to). MAILSLA_TEST_KEEP_TMP=1 keeps the root for a look afterwards. The roots of runs killed
 * before their teardown are removed by the next run (their owner pid is gone).
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";

const SYSTEM_TMP = "/tmp";
/** Prefix of every run's root; concurrent runs (other shells) create theirs, so they are not leftovers. */
export const RUN_ROOT_PREFIX = "mailsla-tests-";

let root = "";
let before = new Set<string>();
/** Vitest's own scratch directory in /tmp (made later, removed after teardown): not a leftover. */
let vitestTmp = "";

/** Builds dist/ and points TMPDIR at a fresh run root. */
export function setup(project: TestProject): void {
  vitestTmp = path.basename((project as unknown as { tmpDir: string }).tmpDir ?? "");
  build();
  removeAbandonedRoots();
  before = new Set(readdirSync(SYSTEM_TMP));
  root = mkdtempSync(path.join(SYSTEM_TMP, RUN_ROOT_PREFIX));
  // Traversable (not listable) by the daemons' own users: PostgreSQL runs as postgres and keeps its
  // data directory, owned by it, inside the run root (test/stack/postgres.ts).
  chmodSync(root, 0o711);
  writeFileSync(path.join(root, OWNER_FILE), String(process.pid));
  process.env.MAILSLA_SYSTEM_TMPDIR = SYSTEM_TMP;
  process.env.TMPDIR = root;
}

/** The file in a run root naming the pid of the run that owns it. */
const OWNER_FILE = ".owner-pid";

/**
 * Removes the roots of earlier runs that were killed before their teardown (SIGKILL, a timeout, a
 * closed terminal): roots whose owner process is gone. A root of a run still going (another shell)
 * is left alone.
 */
function removeAbandonedRoots(): void {
  for (const name of readdirSync(SYSTEM_TMP)) {
    if (!name.startsWith(RUN_ROOT_PREFIX)) continue;
    const dir = path.join(SYSTEM_TMP, name);
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(path.join(dir, OWNER_FILE), "utf8"));
    } catch {
      // made before owner files existed, or its run died before writing one
    }
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) continue;
    if (!Number.isInteger(owner) && Date.now() - statSync(dir).mtimeMs < 3_600_000) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * `npm run build` in its two steps. A type error does not stop the run: tsc still emits (the type
 * check of `npm test` fails on it anyway), so only the tests of what it broke fail, not every test
 * of everyone working in the same tree.
 */
function build(): void {
  try {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const out = String((err as { stdout?: Buffer }).stdout ?? "").slice(0, 2000);
    console.error(`warning: npm run build reports type errors; dist/ was emitted anyway:\n${out}`);
  }
  execFileSync("node", ["scripts/copy-assets.mjs"], { stdio: ["ignore", "ignore", "inherit"] });
}

/** Removes the run root; fails the run on processes still using it or on new entries in /tmp. */
export function teardown(): void {
  // setup failed before it made the root (e.g. the build failed): with an empty root every process
  // on the machine would match processesUsing("") and be killed
  if (!root) return;
  const problems: string[] = [];
  for (const p of processesUsing(root)) {
    problems.push(`process ${p.pid} (${p.cmd}) still runs in the tests' temporary root: killed`);
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  if (process.env.MAILSLA_TEST_KEEP_TMP === "1") console.error(`test temporary root kept: ${root}`);
  else rmSync(root, { recursive: true, force: true });
  const added = readdirSync(SYSTEM_TMP).filter(
    (n) => !before.has(n) && !n.startsWith(RUN_ROOT_PREFIX) && n !== vitestTmp,
  );
  // Ours are named mailsla-*: a leftover of a test that bypassed TMPDIR always fails the run. Other
  // new entries may be anyone's (a shared workstation, the CI harness's own files): under CI=true
  // they fail it too, elsewhere they are a warning.
  const ours = added.filter((n) => n.startsWith("mailsla"));
  if (ours.length > 0) problems.push(`left in ${SYSTEM_TMP} by the tests: ${ours.join(", ")}`);
  const others = added.filter((n) => !n.startsWith("mailsla"));
  if (others.length > 0) {
    const line = `new in ${SYSTEM_TMP} since the run started: ${others.join(", ")}`;
    if (process.env.CI && process.env.MAILSLA_TEST_STRICT_TMP === "1") problems.push(line);
    else console.error(`warning: ${line}`);
  }
  if (problems.length === 0) return;
  console.error(`test run left things behind:\n  ${problems.join("\n  ")}`);
  process.exitCode = 1;
}

/** Live processes whose working directory or command line is inside `dir`, a run root. */
function processesUsing(dir: string): { pid: number; cmd: string }[] {
  // never anything wider than a run root: an empty or short path would match every process
  if (!path.basename(dir).startsWith(RUN_ROOT_PREFIX) || path.dirname(dir) !== SYSTEM_TMP)
    throw new Error(`not a test run root: "${dir}"`);
  const inside = (p: string) => p === dir || p.startsWith(`${dir}/`);
  const found: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cmd.split(/[\s=]/).some(inside) || inside(cwd)) found.push({ pid, cmd: cmd.slice(0, 120) });
    } catch {
      // exited, or not ours to read
    }
  }
  return found;
}
