/**
 * The demo's intro names the command the way the user can run it again from where they are: the
 * installed `mailsla` when it is on PATH, else node or tsx with a path relative to their directory.
 */
import { describe, expect, it } from "vitest";
import { demoIntroLines, selfCommand } from "../../cli/demo-intro.js";

describe("selfCommand", () => {
  it("is mailsla when the running bin is the one on PATH", () => {
    expect(selfCommand("/usr/local/bin/mailsla", "/home/op", "/usr/bin:/usr/local/bin")).toBe("mailsla");
  });

  it("is the bin's path when it is not on PATH", () => {
    expect(selfCommand("/opt/m/bin/mailsla", "/opt/m", "/usr/bin")).toBe("bin/mailsla");
  });

  it("is node or npx tsx with a relative path in a checkout, quoted when it must be", () => {
    expect(selfCommand("/src/mailsla/dist/cli/main.js", "/src/mailsla", "")).toBe("node dist/cli/main.js");
    expect(selfCommand("cli/main.ts", "/src/mailsla", "")).toBe("npx tsx cli/main.ts");
    expect(selfCommand("/x y/dist/cli/main.js", "/elsewhere", "")).toBe("node '/x y/dist/cli/main.js'");
  });
});

it("names the month in the operator's time zone", () => {
  const at = Date.UTC(2026, 10, 30, 17, 0); // 30 November 17:00 UTC is 1 December in Shanghai
  const intro = {
    statusUrl: "http://127.0.0.1:9470",
    configFile: "/d/var/demo/mailsla.yaml",
    adminTokenFile: "/d/t",
  };
  const lines = demoIntroLines({ ...intro, timeZone: "Asia/Shanghai" }, at, "/d/dist/cli/main.js", "/d", "");
  expect(lines).toContain(
    "    node dist/cli/main.js report --config var/demo/mailsla.yaml --month 2026-12 --format json",
  );
  expect(lines).toContain(
    '    curl -s -H "authorization: Bearer $(cat t)" "http://127.0.0.1:9470/api/v1/sla?month=2026-12"',
  );
});
