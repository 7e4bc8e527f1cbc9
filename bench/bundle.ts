import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Compiles a bench's agent entry point (TypeScript) to one plain JavaScript file, run with plain
 * `node` as production runs the compiled agent (`node dist/cli/main.js`). Forking it with
 * `--import tsx` instead adds tsx's loader thread (an isolate of its own, with its own garbage
 * collections) and transpiled-on-load code to every CPU figure. Packages stay external and are
 * resolved from the project's node_modules: the file is written under node_modules/.cache.
 */
export async function bundleAgent(entry: URL, name: string): Promise<string> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const dir = join(root, "node_modules", ".cache", "mailsla-bench");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: false,
    logLevel: "warning",
  });
  return outfile;
}

/**
 * The node options production runs `mailsla` with: those on the `#!` line of cli/main.ts, the
 * package's bin (`mailsla agent` under the systemd unit runs through it). Benches fork their agent
 * with exactly these, read from that line, so a bench never measures an agent tuned differently
 * from the shipped one (docs/benchmarks-delivery.md: `--no-memory-reducer`).
 */
export function productionNodeFlags(): string[] {
  const main = readFileSync(new URL("../cli/main.ts", import.meta.url), "utf8");
  const shebang = /^#!\S*env(?: -S)? node((?: --?[\w-]+(?:=\S+)?)*)\s*\n/.exec(main);
  if (!shebang) throw new Error("cli/main.ts does not start with a `#!/usr/bin/env [-S] node ...` line");
  return shebang[1]!.split(" ").filter(Boolean);
}
