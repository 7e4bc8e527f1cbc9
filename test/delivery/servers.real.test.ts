/**
 * The checks and delivery probes against both mail systems of the test stack, Postfix + Dovecot and
 * Postfix + Cyrus IMAP 3.6 with Debian's defaults that bite (popminpoll 1: one POP3 login per account
 * a minute; no idled: IDLE pushes only every 60 s). On each: every check passes; every receive delay
 * lies within its reported bound of Postfix's own log time of the LMTP delivery, whether the watcher
 * polls or trusts IDLE alone; the POP3 check and watcher share the account's login slot, the server
 * never has to refuse a login, and no fault is counted.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProbeResult } from "../../contract/result.js";
import { systemClock } from "../../contract/clock.js";
import { countsAsFailure } from "../../contract/errors.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";
import type { Config } from "../../config/schema.js";
import { groupObservations, vantageState } from "../../collector/sla/vantage-state.js";
import { KINDS } from "../../probes/kinds/index.js";
import { loginSlot } from "../../probes/net/pop3-login-slot.js";
import { runCheck } from "../../probes/run-check.js";
import { openAgentState } from "../../probes/state/agent-state.js";
import { lmtpDelivery } from "../stack/maillog.js";
import { startMailStack, type MailServer, type MailStack } from "../stack/mail-stack.js";
import { sleep, waitFor } from "../stack/proc.js";
import { exportPasswords, stackConfig, testRunner } from "./harness.js";

/**
 * Postfix logs the LMTP delivery after the mailbox server's 250, so a watcher may see the message a
 * little before the log line's time; this is the allowance for that and for the 1 ms of `sentAt`.
 */
const EPS = 0.05;

const figures: string[] = [];
afterAll(() => console.log(`measured receive delays per server (s):\n  ${figures.join("\n  ")}`));

describe.each<MailServer>(["dovecot", "cyrus"])("Postfix + %s", (server) => {
  let stack: MailStack;
  let config: Readonly<Config>;

  beforeAll(async () => {
    stack = await startMailStack({ mailServer: server });
    exportPasswords(stack);
    config = stackConfig(stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** One check of a configured service, as the agent runs it. */
  async function check(name: string): Promise<ProbeResult> {
    const service = config.services.find((s) => s.name === name)!;
    const deps = {
      kinds: KINDS,
      clock: systemClock,
      vantage: "a",
      accounts: config.accounts,
      ehloName: "probe.test",
    };
    const result = await runCheck(service, 15_000, deps);
    return ProbeResult.parse(result);
  }

  /**
   * Asserts that a delivered result agrees with Postfix's log: the LMTP delivery happened within
   * `[delay − bound, delay]` after the 250. Postfix logs whole seconds, so the log says the delivery
   * lies in `[low, low + 1 s)`: the two intervals must overlap. Returns the log's lower end.
   */
  async function againstMaillog(r: DeliveryResult): Promise<number> {
    expect(r).toMatchObject({ outcome: "delivered", clock: "monotonic" });
    const logged = await waitFor(`Postfix's LMTP line for ${r.token}`, async () =>
      lmtpDelivery(await stack.maillog(), r.token),
    );
    const low = (logged.at - r.sentAt) / 1000;
    const high = low + logged.resolutionMs / 1000;
    const said = `${server}: delay ${r.delaySeconds} bound ${r.errorBoundSeconds} (${r.detection}); Postfix: in [${low.toFixed(3)}, ${high.toFixed(3)}) (${logged.line})`;
    expect(low, said).toBeLessThanOrEqual(r.delaySeconds! + EPS);
    expect(r.delaySeconds! - r.errorBoundSeconds!, said).toBeLessThanOrEqual(high + EPS);
    return low;
  }

  it("every check passes: smtp, submission, imap (implicit TLS and STARTTLS)", async () => {
    for (const name of ["mx", "sub", "imap", "imap-p1"]) {
      const r = await check(name);
      expect(r.error, `${server} ${name}`).toBeUndefined();
      expect(r.ok).toBe(true);
    }
  });

  it("IMAP, mode auto without the burst: each delay within its bound of Postfix's log", async () => {
    const state = openAgentState(":memory:");
    const t = await testRunner({ config, vantage: "b", state, tuning: { burst: false } });
    try {
      const delays: number[] = [];
      const bounds: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await t.result((await t.send("in-idle")).token, 30_000);
        await againstMaillog(r);
        // mode auto polls at the delivery's interval (5 s) while the message is awaited
        expect(r.errorBoundSeconds).toBeLessThanOrEqual(5 + 0.5);
        delays.push(r.delaySeconds!);
        bounds.push(r.errorBoundSeconds!);
      }
      figures.push(`${server} IMAP auto: delay p50 ${median(delays)} bound p50 ${median(bounds)}`);
    } finally {
      await t.runner.stop();
      state.close();
    }
  });

  it("IMAP, IDLE alone: the bound holds even where the push lags (Cyrus without idled: up to 60 s)", async () => {
    const state = openAgentState(":memory:");
    const t = await testRunner({ config, vantage: "b", state, tuning: { burst: false, mode: "idle" } });
    try {
      const r = await t.result((await t.send("in-idle")).token, 90_000);
      const low = await againstMaillog(r);
      expect(r.detection).toBe("imap-idle");
      figures.push(
        `${server} IMAP IDLE alone: delay ${r.delaySeconds} bound ${r.errorBoundSeconds} (push lag about ${(r.delaySeconds! - low).toFixed(1)} s after Postfix's log second)`,
      );
    } finally {
      await t.runner.stop();
      state.close();
    }
  }, 120_000);

  it("POP3: check and watcher share the login slot, the server never refuses, no fault counted", async () => {
    const lines: string[] = [];
    const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(s) });
    const state = openAgentState(":memory:");
    const t = await testRunner({ config, vantage: "a", state, log });
    const pop = config.services.find((s) => s.name === "pop")! as { host: string; port: number };
    const slot = loginSlot(pop.host, pop.port, stack.users.alice.user);
    try {
      // the watcher has just logged in (ready): on Cyrus the check may not log in for a minute
      const first = await check("pop");
      const sent = await t.send("in-pop");
      const r = await t.result(sent.token, 100_000);
      expect(r.detection).toBe("pop3-poll");
      await againstMaillog(r);
      // the next check waits for its turn (at most 10 s) rather than being refused by the server
      await sleep(Math.max(0, slot.freeAt() - performance.now() - 5000));
      const second = await check("pop");
      expect(second.error, server).toBeUndefined();
      if (server === "cyrus") {
        expect(first.error?.code).toBe("login-delay");
        expect(first.error?.message).toMatch(/one login of this account per 60 s/);
        expect(second.details).toMatchObject({ loginDelaySeconds: 60, expire: "never" });
        expect(r.delaySeconds).toBeGreaterThan(30); // the watcher honoured the delay too
      } else expect(first.ok).toBe(true);
      // no login was refused by the server, neither the check's nor the watcher's
      for (const x of [first, second]) expect(x.error?.message ?? "").not.toMatch(/-ERR \[LOGIN-DELAY\]/);
      expect(lines.join("")).not.toMatch(/refused by the server's LOGIN-DELAY|POP3 poll failed/);
      // the engine counts no failing time from these results
      const observations = [first, second].map((x) => ({
        service: "pop",
        vantage: "a",
        at: x.startedAt,
        ok: x.ok,
        counted: x.ok || countsAsFailure(x.error?.code),
      }));
      const [series] = groupObservations(observations);
      const rules = { consecutiveFailures: 1, staleMs: 180_000, now: Date.now() + 1 };
      expect(vantageState(series!, rules).failing).toEqual([]);
      figures.push(`${server} POP3 (login slot): delay ${r.delaySeconds} bound ${r.errorBoundSeconds}`);
    } finally {
      await t.runner.stop();
      state.close();
    }
  }, 240_000);
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
