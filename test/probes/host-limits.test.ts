import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HostLimits } from "../../probes/net/host-limits.js";

/**
 * The per-host limits that keep thousands of probe mailboxes from looking like an attack: sessions
 * at once, logins spaced, and a pause when the host asks for one. Fake timers: no test waits.
 */

describe("HostLimits", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const limits = (o: Partial<ConstructorParameters<typeof HostLimits>[0]> = {}) =>
    new HostLimits({ connections: 2, loginsPerSecond: 10, backOffMs: 1000, ...o }, () => Date.now());

  it("lets at most `connections` sessions per host run at once, the next one when one ends", async () => {
    const l = limits();
    const a = await l.session("mx", false);
    await l.session("mx", false);
    let third = false;
    void l.session("mx", false).then(() => (third = true));
    await l.session("other", false); // another host is not held up
    await vi.advanceTimersByTimeAsync(1000);
    expect(third).toBe(false);
    a();
    await vi.advanceTimersByTimeAsync(0);
    expect(third).toBe(true);
  });

  it("spaces logins to one host 1/loginsPerSecond apart", async () => {
    const l = limits({ connections: 100 });
    const at: number[] = [];
    const t0 = Date.now();
    const all = [0, 1, 2].map(() => l.login("imap").then(() => at.push(Date.now() - t0)));
    await vi.advanceTimersByTimeAsync(500);
    await Promise.all(all);
    expect(at).toEqual([0, 100, 200]);
  });

  it("pauses a host that asked to back off, longer when it repeats, and starts short after a success", async () => {
    const l = limits();
    const first = l.backOff("imap", "[UNAVAILABLE]");
    expect(first).toBeGreaterThanOrEqual(500);
    expect(first).toBeLessThanOrEqual(1000);
    let in1 = false;
    void l.login("imap").then(() => (in1 = true));
    await vi.advanceTimersByTimeAsync(first - 1);
    expect(in1).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(in1).toBe(true);
    const second = l.backOff("imap", "[UNAVAILABLE]");
    expect(second).toBeGreaterThanOrEqual(1000); // doubled cap: 2000, equal jitter
    l.ok("imap");
    expect(l.backOff("imap", "[LIMIT]")).toBeLessThanOrEqual(1000);
  });

  it("a wait cut short by the probe's timeout says which limit held it and frees nothing it did not take", async () => {
    const l = limits({ connections: 1 });
    const held = await l.session("mx", true);
    const timeout = new AbortController();
    const waiting = l.session("mx", true, timeout.signal);
    timeout.abort();
    await expect(waiting).rejects.toThrow(/no connection slot to mx in time \(1 open at once\)/);
    l.backOff("mx", "421 4.7.0 too many connections");
    const paused = new AbortController();
    held();
    const later = l.session("mx", false, paused.signal);
    paused.abort();
    await expect(later).rejects.toThrow(/mx asked us to back off \(421 4.7.0 too many connections\)/);
    expect(l.pausedFor("mx")).toBeGreaterThan(0);
    // both failed waits gave their slot back: one session can start once the pause is over
    await vi.advanceTimersByTimeAsync(l.pausedFor("mx"));
    await expect(l.session("mx", false)).resolves.toBeTypeOf("function");
  });
});

describe("a hand-over held by the limits", () => {
  it("fails as a timeout at connect whose message carries the server's words, without connecting", async () => {
    const { handOver, HandOverError } = await import("../../probes/delivery/send.js");
    const { systemClock } = await import("../../contract/clock.js");
    const limits = new HostLimits({ connections: 8, loginsPerSecond: 20 });
    limits.backOff("mx.invalid", "421 4.7.0 mx.invalid: too many connections");
    const service = { kind: "smtp", name: "mx", host: "mx.invalid", port: 25, tls: { mode: "none" } };
    const attempt = handOver({
      service: service as Parameters<typeof handOver>[0]["service"],
      ...{ from: "a@b.test", to: "c@d.test", message: "x\r\n", clock: systemClock, ehloName: "t.test" },
      timeoutMs: 50,
      beforeData: () => undefined,
      limits,
    });
    const err = await attempt.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandOverError);
    const failure = (err as InstanceType<typeof HandOverError>).failure;
    expect(failure).toMatchObject({ code: "timeout", stage: "connect" });
    expect(failure.message).toContain("mx.invalid asked us to back off (421 4.7.0");
  });
});
