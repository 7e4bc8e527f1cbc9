import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { figureMaker, median, sig, type Bench, type Figure } from "./measure.js";

/**
 * How long `mailsla --version` and `mailsla validate` take from exec to exit: the compiled command
 * (`node dist/cli/main.js`, what `bin` and `npm start` run) against the sources through tsx (what
 * every command did before the build). Each is a fresh process, as an operator runs it; the median
 * of several runs is reported with the slowest, so one busy moment on a shared machine shows.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.MAILSLA_BENCH_STARTUP_RUNS ?? 10);
const TSX_RUNS = 3;

/** config/example.env as variables, so `validate` of the example passes. */
function exampleEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const line of readFileSync(path.join(ROOT, "config/example.env"), "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2];
  }
  return env;
}

/** Wall seconds of `runs` fresh runs of `cmd args`, each required to exit 0. */
function wall(cmd: string, args: readonly string[], runs: number, env: NodeJS.ProcessEnv): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
    out.push((performance.now() - t0) / 1000);
    if (r.status !== 0)
      throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr.toString()}`);
  }
  return out;
}

/** The start-up bench, for bench/run.ts. */
export const startupBench: Bench = {
  name: "startup",
  question: "how long do `mailsla --version` and `mailsla validate` take, compiled and through tsx?",
  async run(ctx) {
    ctx.log("startup: npm run build");
    execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
    const env = exampleEnv();
    const fig = figureMaker("startup");
    const figures: Figure[] = [];
    const commands: [string, string[]][] = [
      ["--version", ["--version"]],
      ["validate", ["validate", "--config", "config/mailsla.example.yaml"]],
    ];
    for (const [name, args] of commands) {
      const compiled = wall(process.execPath, ["dist/cli/main.js", ...args], RUNS, env);
      figures.push(fig(`${name}, node dist (median)`, sig(median(compiled)), "s", `${RUNS} runs`));
      figures.push(fig(`${name}, node dist (slowest)`, sig(Math.max(...compiled)), "s", `${RUNS} runs`));
      ctx.log(`startup: ${name} through tsx (${TSX_RUNS} runs)`);
      const tsx = wall(path.join(ROOT, "node_modules/.bin/tsx"), ["cli/main.ts", ...args], TSX_RUNS, env);
      figures.push(fig(`${name}, tsx cli/main.ts (median)`, sig(median(tsx)), "s", `${TSX_RUNS} runs`));
    }
    return figures;
  },
};
