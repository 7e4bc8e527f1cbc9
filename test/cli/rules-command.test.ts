/**
 * `mailsla rules --config FILE --out DIR` for an operator whose configuration differs from the
 * committed example (checks every 15 s, one service every 5 min, quorum 3, Berlin): the rules
 * follow it, promtool accepts them and runs their generated tests, and the dashboards are in the
 * operator's zone.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { parse } from "yaml";
import { requireTool } from "../helpers/tools.js";
import { REPO } from "./process.js";

const sh = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), "mailsla-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `
operator: { name: Fast Mail, totalUsers: 1000, timeZone: Europe/Berlin }
segments: [{ name: all, users: 1000 }]
vantagePoints: [{ name: a }, { name: b }, { name: c }, { name: d }]
services:
  - { name: mx, kind: smtp, host: 127.0.0.1 }
  - { name: web.mail, kind: webmail, url: "https://mail.example.net/", interval: 5m }
thresholds: { quorum: 3 }
agent: { interval: 15s }
`;

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
}

it("renders rules, promtool tests, Alertmanager example and dashboards for the configuration", async () => {
  const config = path.join(dir, "mailsla.yaml");
  const out = path.join(dir, "out");
  writeFileSync(config, CONFIG);
  const tsx = path.join(REPO, "node_modules/.bin/tsx");
  const { stdout } = await sh(tsx, ["cli/main.ts", "rules", "--config", config, "--out", out], { cwd: REPO });
  for (const f of [
    "mailsla-rules.yml",
    "mailsla-rules.test.yml",
    "alertmanager.yml",
    "dashboards/mailsla-noc.json",
  ])
    expect(stdout).toContain(`wrote ${path.join(out, f)}`);

  const groups = (
    parse(readFileSync(path.join(out, "mailsla-rules.yml"), "utf8")) as {
      groups: { name: string; interval?: string; rules: Rule[] }[];
    }
  ).groups;
  const availability = groups.find((g) => g.name === "mailsla-availability")!;
  expect(availability.interval).toBe("15s");
  const down = availability.rules.filter((r) => r.alert === "MailslaServiceDown");
  expect(down.map((r) => [r.for, r.labels.check_interval])).toEqual([
    ["30s", undefined],
    ["10m", "5m"],
  ]);
  expect(down[0]!.expr).toContain(">= 3");
  const stale = groups.flatMap((g) => g.rules).filter((r) => r.alert === "MailslaChecksStale");
  expect(stale.map((r) => [r.labels.check_interval, r.expr.split(") > ")[1]])).toEqual([
    [undefined, "45"], // 3 x 15 s
    ["5m", "900"], // 3 x 5 min, only for web.mail
  ]);

  const promtool = requireTool("promtool", "prometheus");
  const check = spawnSync(promtool, ["check", "rules", "mailsla-rules.yml"], { cwd: out, encoding: "utf8" });
  expect(`${check.stdout}${check.stderr}`).toContain("SUCCESS");
  const test = spawnSync(promtool, ["test", "rules", "mailsla-rules.test.yml"], {
    cwd: out,
    encoding: "utf8",
  });
  expect(`${test.stdout}${test.stderr}`).toContain("SUCCESS");
  expect(test.status).toBe(0);
  expect(readFileSync(path.join(out, "mailsla-rules.test.yml"), "utf8")).toContain(
    "checks every 15s, 3 vantage points failing 2 in a row: quorum confirmed at 30s, paged 15s later",
  );

  const noc = JSON.parse(readFileSync(path.join(out, "dashboards/mailsla-noc.json"), "utf8")) as {
    timezone: string;
  };
  expect(noc.timezone).toBe("Europe/Berlin");
  const amtool = requireTool("amtool", "prometheus-alertmanager");
  const am = spawnSync(amtool, ["check-config", path.join(out, "alertmanager.yml")], { encoding: "utf8" });
  expect(am.status, `${am.stdout}${am.stderr}`).toBe(0);
});
