import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Finds a Debian tool the tests need, or fails the test with the command that installs it: a
 * missing component is a failure with instructions, never a silent skip.
 */
export function requireTool(name: string, pkg: string): string {
  for (const dir of ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin"]) {
    const path = `${dir}/${name}`;
    if (existsSync(path)) return path;
  }
  throw new Error(`${name} is not installed (Debian package ${pkg}): run sudo bash scripts/install-deps.sh`);
}

/** Pipes text to `promtool check metrics` and returns its verdict: the exposition lint Prometheus applies. */
export function promtoolCheckMetrics(exposition: string): { ok: boolean; output: string } {
  const promtool = requireTool("promtool", "prometheus");
  const r = spawnSync(promtool, ["check", "metrics"], { input: exposition, encoding: "utf8" });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
