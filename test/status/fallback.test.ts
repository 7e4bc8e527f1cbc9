/**
 * The status page when less is wired in: a collector whose SLA wiring offers month and year but no
 * snapshot shows the engine's figures beside the newest raw checks, and a collector without the
 * engine shows the raw checks alone; both say so on the page. Also the page's own resources: the
 * CSP that admits exactly its stylesheet, the script, the icon, and `/status` beside `/`.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATUS_CSS } from "../../collector/status/style.js";
import { launchBrowser } from "./browser.js";
import { startStatusStack, until, type StatusStack } from "./stack.js";

interface StatusJson {
  summary: { tone: string; text: string };
  sections: Record<string, string>;
  engine: boolean;
}

const statusJson = async (s: StatusStack): Promise<StatusJson> =>
  (await (await fetch(`${s.url}/status.json`)).json()) as StatusJson;

/** Waits for the newest checks of every demo service to be OK on the page. */
const allChecked = (s: StatusStack) =>
  until("every service checked and OK", 30_000, async () => {
    const j = await statusJson(s);
    return j.summary.text.startsWith("OK") && (j.sections.live!.match(/> OK</g) ?? []).length === 6
      ? j
      : undefined;
  });

describe("without the SLA engine", () => {
  let stack: StatusStack;
  beforeAll(async () => {
    stack = await startStatusStack({ sla: "none" });
  });
  afterAll(async () => stack?.stop());

  it("shows the newest raw checks, says figures need the engine, and turns FAILED on a fault", async () => {
    const j = await allChecked(stack);
    expect(j.engine).toBe(false);
    expect(j.sections.notices).toContain("not wired into this collector: live state only");
    expect(j.sections.figures).toContain("need the SLA engine");
    expect(j.sections.incidents).toContain("computed by the SLA engine");
    expect(j.sections.live).toContain("Vantage point");
    expect(j.sections.agents).toContain("REPORTING");
    stack.target.setFault("pop3", "down");
    try {
      const failed = await until("pop3 FAILED", 20_000, async () => {
        const s = await statusJson(stack);
        return s.summary.tone === "down" ? s : undefined;
      });
      expect(failed.summary.text).toMatch(
        /^FAILED: newest check of demo-pop3 from demo \(no quorum applied\)/,
      );
      expect(failed.summary.text).not.toContain("DOWN");
    } finally {
      stack.target.setFault("pop3", "none");
    }
  });

  it("loads in Chromium with no console errors", async () => {
    const b = await launchBrowser({ width: 1280, height: 900 });
    try {
      await b.page.goto(`${stack.url}/status`);
      expect(await b.page.textContent("h1")).toBe("Mail service status");
      await b.page.waitForResponse((r) => r.url().endsWith("/status.json") && r.ok(), { timeout: 15_000 });
      expect(b.problems).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it("serves the page with a CSP that admits its own stylesheet, script and icon only", async () => {
    const res = await fetch(`${stack.url}/`);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const csp = res.headers.get("content-security-policy") ?? "";
    const hash = createHash("sha256").update(STATUS_CSS).digest("base64");
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain(`<style>${STATUS_CSS}</style>`);
    expect(html).not.toMatch(/ style="|<script>|https?:\/\/(?!www\.w3\.org)/);
    const js = await fetch(`${stack.url}/status.js`);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain('fetch("/status.json"');
    const icon = await fetch(`${stack.url}/favicon.svg`);
    expect(icon.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
  });
});

describe("with an SLA wiring that offers month and year but no snapshot", () => {
  let stack: StatusStack;
  beforeAll(async () => {
    stack = await startStatusStack({ sla: "month-and-year" });
  });
  afterAll(async () => stack?.stop());

  it("shows the engine's month figures beside the newest raw checks, and says no quorum is applied", async () => {
    const j = await allChecked(stack);
    expect(j.engine).toBe(true);
    expect(j.sections.notices).toContain("offers no snapshot, so no quorum is applied");
    expect(j.sections.figures).toContain('data-key="faultMinutes"');
    expect(j.sections.figures).toContain('data-key="faultFreeDays"');
    expect(j.sections.incidents).toBe('<p class="muted">No incidents this month.</p>');
  });
});
