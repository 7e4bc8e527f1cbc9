import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder holding mailsla's package.json, whether this file runs from the checkout (`cli/`,
 * through tsx) or compiled (`dist/cli/`, installed or not): the one place that knows both layouts,
 * so `--version` and any file shipped beside the code are found the same way in both.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file) && (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name === "mailsla")
      return dir;
    if (dirname(dir) === dir) throw new Error(`no mailsla package.json above ${from}`);
  }
}

/** mailsla's version, from its package.json: what `mailsla --version` prints. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string })
    .version;
}
