/**
 * The status page in Debian's headless Chromium against a running mailsla (demo target, collector
 * with the SLA wiring, agent on a 2 s interval): it loads with no console errors, shows the
 * engine's own numbers, turns DOWN without a reload when a fault starts, fits a 375 px phone, and
 * keeps the accessibility basics. Screenshots go to a stable path, printed for a person to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { showValue } from "../../collector/report/format.js";
import { monthOf, yearOf } from "../../collector/sla/calendar.js";
import type { Figure } from "../../collector/sla/figures.js";
import { launchBrowser, screenshotPath, type TestBrowser } from "./browser.js";
import { startStatusStack, until, type StatusStack } from "./stack.js";

let stack: StatusStack;
let b: TestBrowser;

interface StatusJson {
  summary: { text: string };
  sections: Record<string, string>;
  engine: boolean;
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  stack = await startStatusStack({ interval: "2s" });
  b = await launchBrowser({ width: 1600, height: 1000, dark: true });
  // Every service checked and up, and a receiving delay measured: the page has real numbers to show.
  await until("every service UP and a receiving delay measured", 60_000, async () => {
    const s = await getJson<StatusJson>(`${stack.url}/status.json`);
    const delay = /data-key="receiveDelayAverage" data-value="([\d.]+)"/.exec(s.sections.figures ?? "");
    return s.summary.text.startsWith("UP") && delay ? s : undefined;
  });
});

afterAll(async () => {
  await b?.close();
  await stack?.stop();
});

/** The month figures of the page: key, raw value and the value's visible text. */
async function shownFigures() {
  return b.page.$$eval("td[data-key]", (cells) =>
    cells.map((c) => ({
      key: String(c.getAttribute("data-key")),
      value: JSON.parse(String(c.getAttribute("data-value"))) as unknown,
      text: c.querySelector(".v")?.textContent ?? "",
      row: c.closest("tr")?.querySelector("th")?.textContent ?? "",
    })),
  );
}

describe("status page in Chromium", () => {
  it("loads with no console errors and shows the engine's figures with their clauses and targets", async () => {
    const at = stack.clock.freeze();
    try {
      // Results started before the frozen instant are pushed within a second or so; after that,
      // two equal API answers around one page load mean the page read the same month.
      await new Promise((r) => setTimeout(r, 2500));
      const tz = stack.config.operator.timeZone;
      const api = async () => ({
        month: await getJson<{ figures: Record<string, Figure> }>(
          `${stack.url}/api/v1/sla?month=${monthOf(at, tz)}`,
          stack.admin,
        ),
        year: await getJson<{ faultFreeDays: Figure }>(
          `${stack.url}/api/v1/sla?year=${yearOf(at, tz)}`,
          stack.admin,
        ),
      });
      const { month, year, shown } = await until(
        "the same figures before and after a page load",
        30_000,
        async () => {
          const before = await api();
          await b.page.goto(`${stack.url}/`);
          const shown = await shownFigures();
          const after = await api();
          return JSON.stringify(before) === JSON.stringify(after) ? { ...after, shown } : undefined;
        },
      );
      const expected: Record<string, Figure> = { ...month.figures, faultFreeDays: year.faultFreeDays };
      expect(shown.map((s) => s.key).sort()).toEqual(Object.keys(expected).sort());
      for (const s of shown) {
        const f = expected[s.key]!;
        expect(s.value, s.key).toEqual(f.value);
        if (f.value !== null) expect(s.text, s.key).toContain(showValue(f.value, f.unit));
        expect(s.row, s.key).toContain(f.clause);
        const target =
          f.target === null ? null : Number((f.unit === "ratio" ? f.target * 100 : f.target).toPrecision(12));
        if (target !== null) expect(s.row, s.key).toMatch(new RegExp(`target [≤≥] ${target} `));
      }
      expect(shown.find((s) => s.key === "receiveDelayAverage")!.value).toBeGreaterThan(0);
      await b.page.waitForResponse((r) => r.url().endsWith("/status.json") && r.ok(), { timeout: 15_000 });
      expect(b.problems).toEqual([]);
    } finally {
      stack.clock.thaw();
    }
  });

  it("turns DOWN when a fault starts, without a reload, and UP again when it ends", async () => {
    const summary = () => b.page.textContent("#summary");
    await b.page.goto(`${stack.url}/`);
    await b.page.$eval("html", (html) => html.setAttribute("data-same-document", "yes"));
    await expect.poll(summary, { timeout: 20_000 }).toMatch(/^\W*UP/);
    stack.target.setFault("imap", "down");
    try {
      await expect.poll(summary, { timeout: 40_000 }).toMatch(/DOWN.*demo-imap/);
      const row = b.page.locator("#live tr", { has: b.page.locator("th", { hasText: /^demo-imap$/ }) });
      expect(await row.locator(".badge").first().textContent()).toContain("DOWN");
      await expect.poll(() => b.page.textContent("#incidents"), { timeout: 20_000 }).toContain("ACTIVE");
      const shot = screenshotPath("status-wall-dark.png");
      await b.page.screenshot({ path: shot, fullPage: true });
      console.log(`status page screenshot (wall screen, dark, imap down): ${shot}`);
    } finally {
      stack.target.setFault("imap", "none");
    }
    await expect.poll(summary, { timeout: 40_000 }).toMatch(/^\W*UP/);
    expect(await b.page.getAttribute("html", "data-same-document")).toBe("yes");
    expect(await b.page.getAttribute("#summary", "aria-live")).toBe("polite");
    expect(b.problems).toEqual([]);
  });

  it("fits a 375 px phone without horizontal scrolling", async () => {
    await b.page.setViewportSize({ width: 375, height: 800 });
    await b.page.emulateMedia({ colorScheme: "light" });
    try {
      await b.page.goto(`${stack.url}/`);
      const size = await b.page.$$eval("body *", (els) => {
        const root = els[0]!.ownerDocument.documentElement;
        const wider = els
          .filter((e) => e.getBoundingClientRect().right > root.clientWidth + 0.5 && !e.closest(".sr-only"))
          .map((e) => `${String(e.tagName).toLowerCase()}.${String(e.className)}`);
        return { scroll: Number(root.scrollWidth), client: Number(root.clientWidth), wider };
      });
      expect(size.client).toBe(375);
      expect(size.wider).toEqual([]);
      expect(size.scroll).toBeLessThanOrEqual(size.client);
      const shot = screenshotPath("status-phone-light.png");
      await b.page.screenshot({ path: shot, fullPage: true });
      console.log(`status page screenshot (phone, 375 px, light): ${shot}`);
    } finally {
      await b.page.setViewportSize({ width: 1600, height: 1000 });
      await b.page.emulateMedia({ colorScheme: "dark" });
    }
  });

  it("keeps the accessibility basics: one h1, scoped headers, a live region, words beside colour", async () => {
    await b.page.goto(`${stack.url}/`);
    const attrs = (sel: string, name: string) =>
      b.page.$$eval(sel, (els, n) => els.map((e) => e.getAttribute(n)), name);
    const texts = (sel: string) => b.page.$$eval(sel, (els) => els.map((e) => String(e.textContent).trim()));
    expect(await b.page.getAttribute("html", "lang")).toBe("en");
    expect(await texts("h1")).toEqual(["Mail service status"]);
    const cols = await attrs("thead th", "scope");
    expect(cols.length).toBeGreaterThan(0);
    expect(new Set(cols)).toEqual(new Set(["col"]));
    expect(new Set(await attrs("tbody th", "scope"))).toEqual(new Set(["row"]));
    expect((await texts("table caption")).length).toBe(await b.page.locator("table").count());
    expect(await attrs("[aria-live]", "id")).toEqual(["summary"]);
    expect(await b.page.getAttribute("#summary", "role")).toBe("status");
    const labelled = await attrs("section", "aria-labelledby");
    expect(labelled.length).toBe(6);
    for (const id of labelled) expect(await b.page.locator(`h2#${id}`).count(), String(id)).toBe(1);
    for (const word of await texts(".badge")) expect(word).toMatch(/[A-Z]{2,}/);
  });

  it("keeps text at WCAG AA contrast (4.5:1) against its background, light and dark", async () => {
    await b.page.goto(`${stack.url}/`);
    for (const scheme of ["light", "dark"] as const) {
      await b.page.emulateMedia({ colorScheme: scheme });
      expect(await b.page.$$eval("body *", lowContrast), scheme).toEqual([]);
    }
    await b.page.emulateMedia({ colorScheme: "dark" });
  });
});

/**
 * Elements with text of their own whose colour contrasts less than 4.5:1 with the first opaque
 * background behind them. Runs in the page (Playwright serializes it), so it names no Node value.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- DOM elements: the project compiles without the DOM lib
function lowContrast(els: any[]): string[] {
  const view = els[0].ownerDocument.defaultView;
  const rgba = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]: number[]) => {
    const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
  };
  const background = (e: { parentElement: unknown } | null): number[] => {
    for (; e; e = e.parentElement as typeof e) {
      const c = rgba(view.getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c[3] ?? 0) > 0) return c;
    }
    return [255, 255, 255];
  };
  const out: string[] = [];
  for (const e of els) {
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && String(n.textContent).trim() !== "");
    if (!own || e.closest(".sr-only")) continue;
    const [fg, bg] = [lum(rgba(view.getComputedStyle(e).color)), lum(background(e))];
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5)
      out.push(`${e.tagName} "${String(e.textContent).trim().slice(0, 30)}": ${ratio.toFixed(2)}`);
  }
  return out;
}
