/**
 * The systemd units in deploy/systemd/ as systemd itself reads them: `systemd-analyze verify` must
 * accept each without a word (it exits 0 even on an unknown key, so any output fails the test),
 * `systemd-analyze security --offline` must rate its exposure low, and the hardening the units
 * promise must be there. ExecStart names /usr/local/bin/mailsla (where `npm install -g` puts it);
 * verify requires the binary to exist, so the copy checked here points at this checkout's build.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../cli/process.js";

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), "mailsla-systemd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The unit files and the name each is checked under (a template needs an instance). */
const UNITS = [
  { file: "mailsla-collector.service", as: "mailsla-collector.service" },
  { file: "mailsla-agent@.service", as: "mailsla-agent@beijing-1.service" },
];

/** A copy of the unit in the scratch directory, its ExecStart pointing at this checkout's build. */
function staged(file: string, as: string): string {
  const text = readFileSync(path.join(REPO, "deploy/systemd", file), "utf8");
  expect(text).toContain("ExecStart=/usr/local/bin/mailsla ");
  const out = path.join(dir, as);
  writeFileSync(out, text.replace("/usr/local/bin/mailsla", path.join(REPO, "dist/cli/main.js")));
  return out;
}

/** `Key=value` lines of a unit file (comments and sections left out). */
function directives(file: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of readFileSync(path.join(REPO, "deploy/systemd", file), "utf8").split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

describe.each(UNITS)("deploy/systemd/$file", ({ file, as }) => {
  it("passes systemd-analyze verify without a warning", async () => {
    const unit = staged(file, as);
    const { stdout, stderr } = await run("systemd-analyze", ["verify", unit], { cwd: dir });
    expect(`${stdout}${stderr}`).toBe("");
  });

  it("is rated low exposure by systemd-analyze security", async () => {
    const unit = staged(file, as);
    const { stdout } = await run("systemd-analyze", ["security", "--offline=true", unit], { cwd: dir });
    const exposure = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(stdout)![1]);
    expect(exposure).toBeLessThanOrEqual(2.5);
  });

  it("runs unprivileged, read-only outside its state directory, without new privileges", () => {
    const d = directives(file);
    expect(d.get("DynamicUser")).toEqual(["yes"]);
    expect(d.get("ProtectSystem")).toEqual(["strict"]);
    expect(d.get("NoNewPrivileges")).toEqual(["yes"]);
    expect(d.get("StateDirectory")?.[0]).toMatch(/^mailsla\//);
    expect(d.get("ExecStart")?.[0]).toMatch(
      /^\/usr\/local\/bin\/mailsla (agent|collector) --config \/etc\/mailsla\/mailsla\.yaml/,
    );
  });
});

it("grants the agent only the capability its port-25 sink needs, and the collector none", () => {
  expect(directives("mailsla-agent@.service").get("CapabilityBoundingSet")).toEqual(["CAP_NET_BIND_SERVICE"]);
  expect(directives("mailsla-collector.service").get("CapabilityBoundingSet")).toEqual([""]);
  expect(directives("mailsla-agent@.service").get("ExecStart")?.[0]).toContain("--vantage %i");
});
