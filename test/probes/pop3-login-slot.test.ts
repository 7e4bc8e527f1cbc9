/**
 * The per-account POP3 login slot: one session at a time, no login before the announced LOGIN-DELAY
 * has passed, turns alternating between the check and the watcher, a waiter that cannot be served
 * before its deadline told so at once, and a warning when configured intervals ask for more logins
 * than the server allows.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { LoginSlot, type SlotLease } from "../../probes/net/pop3-login-slot.js";
import type { Logger } from "../../contract/log.js";

function recordingLog(): { log: Logger; warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  const nop = () => undefined;
  const log = {
    warn: (...a: unknown[]) => warnings.push(a),
    info: nop,
    debug: nop,
    error: nop,
  } as unknown as Logger;
  return { log, warnings };
}

describe("POP3 login slot", () => {
  it("runs one session at a time when the server announces no delay", async () => {
    const slot = new LoginSlot("a@h:1");
    const first = (await slot.acquire("watcher", Infinity))!;
    let second: SlotLease | undefined;
    const waiting = slot.acquire("check", Infinity).then((l) => (second = l));
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBeUndefined();
    first.loggedIn();
    first.release();
    await waiting;
    expect(second).toBeDefined();
    second!.release();
  });

  it("starts no login before the announced delay and alternates check and watcher", async () => {
    let now = 0;
    const slot = new LoginSlot("a@h:1", () => now);
    slot.announce(60_000);
    const w1 = (await slot.acquire("watcher", Infinity))!;
    w1.loggedIn(); // at 0
    w1.release();
    // the watcher queues first for its next poll, the check comes later: the check gets the turn
    const order: string[] = [];
    const watcher = slot.acquire("watcher", Infinity).then((l) => (order.push("watcher"), l));
    const check = slot.acquire("check", 70_000).then((l) => (order.push("check"), l));
    // a check that must be done within 10 s learns at once that it cannot log in
    expect(await slot.acquire("check", 10_000)).toBeUndefined();
    expect(slot.freeAt()).toBe(61_000);
    // the slot's timer runs on real time and the clock here is fake: move the clock, then wake it
    now = 61_000;
    (slot as unknown as { pump(): void }).pump();
    const c = (await check)!;
    expect(order).toEqual(["check"]);
    c.loggedIn();
    c.release();
    now = 122_000;
    (slot as unknown as { pump(): void }).pump();
    const w = (await watcher)!;
    expect(order).toEqual(["check", "watcher"]);
    w.release();
  });

  it("after a [LOGIN-DELAY] refusal waits the delay from the refusal", async () => {
    let now = 1000;
    const slot = new LoginSlot("a@h:1", () => now);
    const lease = (await slot.acquire("check", Infinity))!;
    lease.refused(); // no delay announced: 60 s assumed
    lease.release();
    expect(slot.freeAt()).toBe(1000 + 61_000);
    now = 2000;
    expect(await slot.acquire("check", 30_000)).toBeUndefined();
  });

  it("leaves no listener on a long-lived abort signal once a wait ended, and ends a wait on abort", async () => {
    const slot = new LoginSlot("a@h:1");
    const life = new AbortController();
    for (let i = 0; i < 20; i++) {
      const lease = (await slot.acquire(i % 2 ? "check" : "watcher", Infinity, life.signal))!;
      lease.loggedIn();
      lease.release();
    }
    expect(getEventListeners(life.signal, "abort")).toHaveLength(0);
    const held = (await slot.acquire("watcher", Infinity, life.signal))!;
    const waiting = slot.acquire("check", Infinity, life.signal);
    expect(getEventListeners(life.signal, "abort")).toHaveLength(1);
    life.abort();
    expect(await waiting).toBeUndefined();
    held.release();
  });

  it("warns once when configured intervals ask for more logins than the delay allows", () => {
    const { log, warnings } = recordingLog();
    const slot = new LoginSlot("alice@h:110");
    slot.plan("check pop", 60_000, log);
    slot.plan("watcher pop", 5_000, log);
    expect(warnings).toHaveLength(0); // the delay is not known yet
    slot.announce(60_000);
    slot.announce(60_000);
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toMatch(/watcher pop every 5 s/);
    const quiet = recordingLog();
    const roomy = new LoginSlot("bob@h:110");
    roomy.plan("check pop", 300_000, quiet.log);
    roomy.announce(60_000);
    expect(quiet.warnings).toHaveLength(0);
  });
});
