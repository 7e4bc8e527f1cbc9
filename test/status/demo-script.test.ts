/**
 * The one-command demo's scripted schedule on an injected clock, against a real demo target and a
 * real collector's admin API: each step fires at its time and not before, and does what it says
 * (the MX holds mail, a late maintenance window is declared, submission refuses AUTH, IMAP goes
 * down and comes back). Also the demo MX's hold itself, on the real clock.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCollector } from "../../collector/app.js";
import { openStore, type CollectorStore } from "../../collector/store/index.js";
import { parseConfigText } from "../../config/load.js";
import { Secret } from "../../config/secret.js";
import { demoConfigYaml, demoEnvironment } from "../../demo/config.js";
import {
  adminClient,
  DEMO_SCRIPT,
  DEMO_SUBMISSION_SERVICE,
  startDemoScript,
  type DemoControls,
  type ScriptClock,
  type StepOutcome,
} from "../../demo/script.js";
import { startDemoTarget, type DemoTarget } from "../../demo/target.js";
import { firstMoments, imapClient, mailer, probeMessage } from "../demo/helpers.js";

const ADMIN = "status-test-admin-token";
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);

/** Timers on a clock that moves only when told to. */
class ManualClock implements ScriptClock {
  private timers: { due: number; fn: () => void }[] = [];
  constructor(private t: number) {}
  now = () => this.t;
  after(ms: number, fn: () => void): () => void {
    const timer = { due: this.t + ms, fn };
    this.timers.push(timer);
    return () => void (this.timers = this.timers.filter((x) => x !== timer));
  }
  /** Moves to `to`, firing every timer due on the way, in order. */
  advanceTo(to: number): void {
    for (;;) {
      const next = this.timers.filter((x) => x.due <= to).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.due;
      next.fn();
    }
    this.t = to;
  }
}

let target: DemoTarget;
let dir: string;
let store: CollectorStore;
let collector: FastifyInstance;
let url: string;
let clock: ManualClock;

beforeAll(async () => {
  target = await startDemoTarget({ slowMs: 1000 });
  dir = mkdtempSync(path.join(os.tmpdir(), "mailsla-demo-script-"));
  store = openStore(path.join(dir, "collector.sqlite"));
  clock = new ManualClock(T0);
  Object.assign(process.env, demoEnvironment(target));
  collector = buildCollector(
    {
      described: parseConfigText(demoConfigYaml(target), "demo"),
      store,
      agentTokens: { demo: new Secret("agent-token") },
      adminToken: new Secret(ADMIN),
      maxBatch: 100,
      maxBodyBytes: 1 << 20,
      registry: new Registry(),
      now: clock.now,
    },
    { logger: false },
  );
  url = await collector.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await collector?.close();
  await store?.close();
  await target?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Sends a message with a fresh token to the demo MX and returns the token. */
async function sendToMx(): Promise<string> {
  const token = randomUUID();
  await mailer(target, target.ports.smtp).sendMail(probeMessage(target.users.probe1.user, token));
  return token;
}

/** Whether a message with `token` in its subject is in the probe INBOX now. */
async function inMailbox(token: string): Promise<boolean> {
  const client = imapClient(target);
  await client.connect();
  try {
    await client.mailboxOpen("INBOX");
    const found = await client.search({ subject: token });
    return Array.isArray(found) && found.length > 0;
  } finally {
    await client.logout();
  }
}

async function submissionAuth(): Promise<unknown> {
  return mailer(target, target.ports.submission, target.users.probe1).verify();
}

/** The target, recording each switch the script makes before making it. */
function recorded(calls: string[]): DemoControls {
  return {
    setFault: (s, f) => {
      calls.push(`${s}=${f}`);
      target.setFault(s, f);
    },
    setDeliveryDelay: (ms) => {
      calls.push(`delay=${ms}`);
      target.setDeliveryDelay(ms);
    },
  };
}

describe("the scripted demo", () => {
  it("names services the demo configuration has", () => {
    Object.assign(process.env, demoEnvironment(target));
    const config = parseConfigText(demoConfigYaml(target), "demo");
    expect(config.services.map((s) => s.name)).toContain(DEMO_SUBMISSION_SERVICE);
    expect(config.thresholds).toMatchObject({ quorum: 1, consecutiveFailures: 2 });
  });

  it("plays each step at its time, not before, and each does what it says", async () => {
    const calls: string[] = [];
    const log: StepOutcome[] = [];
    const script = startDemoScript({
      target: recorded(calls),
      admin: adminClient(url, ADMIN),
      log: (o) => log.push(o),
      clock,
    });
    const played = (n: number) => waitFor(`step ${n} to be logged`, 10_000, () => log.length >= n);
    const effects: Record<number, () => Promise<void>> = {
      0: async () => {
        expect(calls).toEqual(["delay=20000"]);
        const held = await sendToMx();
        await new Promise((r) => setTimeout(r, 1000));
        expect(await inMailbox(held)).toBe(false);
      },
      5_000: async () => {
        const [w, ...more] = await store.maintenance.list();
        expect(more).toEqual([]);
        expect(w).toMatchObject({
          services: [DEMO_SUBMISSION_SERVICE],
          start: T0 + 10_000,
          end: T0 + 50_000,
          announcedAt: T0 + 5_000,
        });
        expect(log.at(-1)!.detail).toMatchObject({ window: w!.id, lateNotice: true });
      },
      15_000: async () => {
        expect(calls.at(-1)).toBe("submission=refuse");
        await expect(submissionAuth()).rejects.toMatchObject({ responseCode: 454 });
      },
      25_000: async () => {
        expect(calls.at(-1)).toBe("imap=down");
        expect(await firstMoments(target, target.ports.imap)).toEqual({ closed: true, data: "" });
      },
      40_000: async () => {
        expect(calls.at(-1)).toBe("submission=none");
        expect(await submissionAuth()).toBe(true);
      },
      65_000: async () => {
        expect(calls.at(-1)).toBe("imap=none");
        expect(await firstMoments(target, target.ports.imap, 1000)).toEqual({ closed: false, data: "" });
      },
      90_000: async () => {
        expect(calls.at(-1)).toBe("delay=0");
        const now = await sendToMx();
        await waitFor("mail to arrive at once", 5000, () => inMailbox(now));
      },
    };
    expect(DEMO_SCRIPT.map((s) => s.at)).toEqual(
      Object.keys(effects)
        .map(Number)
        .sort((a, b) => a - b),
    );
    for (const [i, step] of DEMO_SCRIPT.entries()) {
      if (step.at > 0) {
        clock.advanceTo(T0 + step.at - 1);
        await new Promise((r) => setTimeout(r, 50));
        expect(log.length, `step +${step.at} ms played early`).toBe(i);
      }
      clock.advanceTo(T0 + step.at);
      await played(i + 1);
      expect(log[i]).toMatchObject({ at: step.at, say: step.say, ok: true });
      await effects[step.at]!();
    }
    expect(await script.done).toHaveLength(DEMO_SCRIPT.length);
  });

  it("logs a step that fails and goes on with the next", async () => {
    const log: StepOutcome[] = [];
    const start = clock.now();
    startDemoScript({
      target: recorded([]),
      admin: adminClient(url, "not-the-admin-token"),
      log: (o) => log.push(o),
      clock,
      steps: DEMO_SCRIPT.slice(0, 3),
    });
    clock.advanceTo(start + 15_000);
    await waitFor("three steps to be logged", 10_000, () => log.length === 3);
    expect(log.map((o) => o.ok)).toEqual([true, false, true]);
    expect(log[1]!.error).toMatch(/HTTP 401/);
    target.setFault("submission", "none");
    target.setDeliveryDelay(0);
  });

  it("plays nothing more once stopped", async () => {
    const log: StepOutcome[] = [];
    const start = clock.now();
    const script = startDemoScript({
      target: recorded([]),
      admin: adminClient(url, ADMIN),
      log: (o) => log.push(o),
      clock,
    });
    clock.advanceTo(start);
    await waitFor("the first step", 5000, () => log.length === 1);
    script.stop();
    clock.advanceTo(start + 120_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(log).toHaveLength(1);
    target.setDeliveryDelay(0);
  });
});

describe("the demo MX's delivery delay", () => {
  it("holds mail for the delay set when it came in, then delivers it; 0 delivers at once", async () => {
    target.setDeliveryDelay(1500);
    const held = await sendToMx();
    const sentAt = Date.now();
    target.setDeliveryDelay(0);
    const direct = await sendToMx();
    expect(await inMailbox(direct)).toBe(true);
    expect(await inMailbox(held)).toBe(false);
    await waitFor("the held message", 5000, () => inMailbox(held));
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1400);
  });

  it("refuses a delay that is not a duration", () => {
    expect(() => target.setDeliveryDelay(-1)).toThrow(RangeError);
    expect(() => target.setDeliveryDelay(Number.NaN)).toThrow(RangeError);
  });
});

/** Resolves once `ok` answers true, polling every 100 ms; fails after `ms`. */
async function waitFor(what: string, ms: number, ok: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
