/**
 * The demo as a newcomer drives it: `mailsla run` without a configuration (the compiled command,
 * collector and agent moved to free ports) prints a status page URL, where the admin token is and
 * three commands; each command is run exactly as printed, from the directory the demo started in.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO, start, type Started } from "./process.js";

const sh = promisify(execFile);
const TOKEN = "a-token-the-user-chose-0123456789";
let dir: string;
let demo: Started;
let intro: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "mailsla-demo-cli-"));
  const args = ["dist/cli/main.js", "run", "--data-dir", dir, "--listen", "127.0.0.1:0"];
  demo = start(process.execPath, [...args, "--collector-listen", "127.0.0.1:0"], {
    env: { ...process.env, MAILSLA_DEMO_ADMIN_TOKEN: TOKEN, MAILSLA_DEMO_SCRIPT: "off" },
  });
  intro = await demo.waitFor(/ check --config .*\n/);
});

afterAll(async () => {
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The intro's three commands, in order. */
function commands(): string[] {
  const lines = intro.split("\n");
  const at = lines.findIndex((l) => l.includes("try, from this directory:"));
  return lines.slice(at + 1, at + 4).map((l) => l.trim());
}

/** Runs a printed command through the shell, from the demo's directory. */
const run = (command: string) => sh("sh", ["-c", command], { cwd: REPO, maxBuffer: 16 << 20 });

describe("the demo without a configuration", () => {
  it("writes its configuration and a 0600 secrets file holding the token the user set", () => {
    const tokenFile = intro.match(/admin token: +(\S+)/)![1]!;
    expect(path.resolve(REPO, tokenFile)).toBe(path.join(dir, "secrets", "admin-token"));
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, "secrets")).mode & 0o777).toBe(0o700);
    expect(readFileSync(tokenFile, "utf8").trim()).toBe(TOKEN);
    const config = parse(readFileSync(path.join(dir, "mailsla.yaml"), "utf8")) as Record<string, never>;
    expect(JSON.stringify(config)).not.toContain(TOKEN); // secrets stay in their files
  });

  it("moves the collector with --collector-listen, and says where it is", async () => {
    const url = intro.match(/status page: +(http:\/\/\S+)/)![1]!;
    expect(url).not.toContain(":9470");
    const config = parse(readFileSync(path.join(dir, "mailsla.yaml"), "utf8")) as {
      collector: { listen: string };
    };
    expect(url).toBe(`http://${config.collector.listen}/`);
    expect((await fetch(url)).status).toBe(200);
  });

  it("prints three commands that work as printed", async () => {
    const [report, curl, check] = commands();
    expect(report).toMatch(
      /^node dist\/cli\/main\.js report --config \S+mailsla\.yaml --month \d{4}-\d\d --format json$/,
    );
    expect(curl).toMatch(
      /^curl -s -H "authorization: Bearer \$\(cat \S+admin-token\)" "http:\/\/127\.0\.0\.1:\d+\/api\/v1\/sla\?month=/,
    );
    expect(check).toMatch(/^node dist\/cli\/main\.js check --config \S+mailsla\.yaml$/);

    const month = report!.match(/--month (\S+)/)![1];
    const sla = JSON.parse((await run(curl!)).stdout) as { month?: string; error?: string };
    expect(sla.error).toBeUndefined(); // the token was accepted
    expect(sla.month).toBe(month);

    const model = JSON.parse((await run(report!)).stdout) as { month?: string };
    expect(model.month).toBe(month);

    const checked = (await run(check!)).stdout; // exits 0: every check passed
    for (const service of [
      "demo-mx",
      "demo-relay",
      "demo-submission",
      "demo-imap",
      "demo-pop3",
      "demo-webmail",
    ])
      expect(checked).toMatch(new RegExp(`^PASS +${service} `, "m"));
  });
});
