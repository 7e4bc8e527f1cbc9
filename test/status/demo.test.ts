/**
 * The one-command demo's promise, on the real clock and the demo's own 10 s interval: started the
 * way `mailsla run` starts it (target, collector, agent, then the script), the status page shows a
 * fault, a maintenance window flagged for late notice (6.1.6) and a receiving delay within a minute.
 */
import { afterAll, expect, it } from "vitest";
import { DEMO_ADMIN_TOKEN_ENV } from "../../demo/config.js";
import { adminClient, startDemoScript, type DemoScript, type StepOutcome } from "../../demo/script.js";
import { launchBrowser, screenshotPath, type TestBrowser } from "./browser.js";
import { startStatusStack, until, type StatusStack } from "./stack.js";

const MINUTE = 60_000;
let stack: StatusStack | undefined;
let script: DemoScript | undefined;
let b: TestBrowser | undefined;

afterAll(async () => {
  script?.stop();
  await b?.close();
  await stack?.stop();
});

/** What the page shows of the three things the demo is for, read from the live DOM. */
async function demoShown(page: TestBrowser["page"]) {
  const delay = await page.getAttribute('td[data-key="receiveDelayAverage"]', "data-value");
  return {
    incident: (await page.locator("#incidents tbody tr").count()) > 0,
    lateWindow: ((await page.textContent("#maintenance")) ?? "").includes("LATE"),
    delaySeconds: delay === null ? null : (JSON.parse(delay) as number | null),
  };
}

it(
  "shows a fault, a late maintenance window and a delay figure within a minute",
  { timeout: 3 * MINUTE },
  async () => {
    stack = await startStatusStack({ interval: "10s" });
    const log: StepOutcome[] = [];
    script = startDemoScript({
      target: stack.target,
      admin: adminClient(stack.url, process.env[DEMO_ADMIN_TOKEN_ENV]!),
      log: (o) => log.push(o),
    });
    const started = Date.now();
    b = await launchBrowser({ width: 1600, height: 1000, dark: true });
    await b.page.goto(`${stack.url}/`);
    const page = b.page;
    const shown = await until("the page to show a fault, a late window and a delay", MINUTE, async () => {
      const s = await demoShown(page);
      return s.incident && s.lateWindow && s.delaySeconds !== null && s.delaySeconds >= 19 ? s : undefined;
    });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(MINUTE);
    expect(shown.delaySeconds).toBeLessThan(30);
    expect(await page.textContent("#incidents")).toMatch(/demo\s*▼?\s*(ACTIVE|ENDED)/);
    expect(await page.textContent("#maintenance")).toContain("demo-submission");
    const shot = screenshotPath("status-demo-first-minute.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`status page screenshot (demo, ${Math.round(elapsed / 1000)} s after start): ${shot}`);
    expect(log.length).toBeGreaterThanOrEqual(3);
    expect(log.filter((o) => !o.ok)).toEqual([]);
    expect(b.problems).toEqual([]);
  },
);
