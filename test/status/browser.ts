/**
 * Debian's headless Chromium driven by playwright-core, for the status page tests: a fresh profile
 * per launch, no network beyond loopback, and every console error, page error and failed request
 * recorded, so "the page loads with no console errors" is a plain assertion.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Where Debian installs Chromium (scripts/install-deps.sh: `want /usr/bin/chromium chromium`). */
export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser with one page and what went wrong on it. */
export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors, uncaught page errors and failed requests, in order. */
  readonly problems: string[];
  close(): Promise<void>;
}

/** Launches Chromium with a fresh user data dir; throws with the install command when it is missing. */
export async function launchBrowser(opts: {
  width: number;
  height: number;
  dark?: boolean;
}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install it with "sudo bash scripts/install-deps.sh" (apt-get install chromium)`,
    );
  }
  const profile = mkdtempSync(path.join(os.tmpdir(), "mailsla-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: opts.width, height: opts.height },
    colorScheme: opts.dark ? "dark" : "light",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (r) =>
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`),
  );
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A stable path under the system's temp dir for the tests' screenshots (printed by the tests). */
export function screenshotPath(name: string): string {
  const dir = path.join(os.tmpdir(), "mailsla-status-test");
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
