/**
 * The in-flight table on a real SQLite state file: a message is taken once (arrival or loss) together
 * with its outbox record, a failing outbox leaves it in flight, times fall back to the wall clock in a
 * new process, and unconfirmed rows of a dead process are dropped.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InFlight, type InFlightRow } from "../../probes/delivery/inflight.js";
import { newToken } from "../../probes/delivery/message.js";
import { DeliveryResult } from "../../contract/delivery-result.js";
import { arrivedResult, lostResult } from "../../probes/delivery/result.js";
import { openAgentState, type AgentState } from "../../probes/state/agent-state.js";

const states: AgentState[] = [];
afterEach(() => {
  for (const s of states.splice(0)) s.close();
});

function open(path: string): AgentState {
  const s = openAgentState(path);
  states.push(s);
  return s;
}

const HOUR = 3_600_000;
const T0 = { wall: Date.UTC(2026, 10, 22, 8), mono: 1000 };
const at = (ms: number) => ({ wall: T0.wall + ms, mono: T0.mono + ms });
const seen = (ms: number, boundSeconds = 0.02) => ({
  at: at(ms),
  boundSeconds,
  detection: "imap-poll" as const,
  hops: [],
  spam: false,
});

function sent(inflight: InFlight, lossTimeoutMs = 6 * HOUR): string {
  const token = newToken();
  const m = {
    token,
    delivery: "in",
    direction: "receive" as const,
    vantage: "a",
    lossTimeoutMs,
    mailbox: "imap",
  };
  inflight.begin(m, T0.wall);
  inflight.confirm(token, T0, "4AbCdEf");
  return token;
}

const delivered = (inflight: InFlight, ms: number) => (row: InFlightRow) =>
  arrivedResult(row, inflight.elapsed(row, at(ms)), seen(ms));

const outbox = (s: AgentState) => s.outbox.pending(100).map((r) => DeliveryResult.parse(r.payload));

describe("in-flight messages", () => {
  it("are taken once: the result and its outbox record together, a second sighting finds nothing", () => {
    const state = open(":memory:");
    const inflight = new InFlight(state, "boot-1");
    const token = sent(inflight);
    const r = inflight.take(token, delivered(inflight, 1234));
    expect(r).toMatchObject({ token, outcome: "delivered", delaySeconds: 1.234, clock: "monotonic" });
    expect(r).toMatchObject({ errorBoundSeconds: 0.02, queueId: "4AbCdEf", sentAt: T0.wall });
    expect(inflight.take(token, delivered(inflight, 2000))).toBeUndefined();
    expect(outbox(state)).toEqual([r]);
  });

  it("stay in flight when the outbox write fails, and are taken once when it works again", () => {
    const state = open(":memory:");
    const inflight = new InFlight(state, "boot-1");
    const token = sent(inflight);
    state.db.exec(
      "CREATE TEMP TRIGGER full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    expect(() => inflight.take(token, delivered(inflight, 500))).toThrow(/disk full/);
    expect(inflight.get(token)?.token).toBe(token);
    state.db.exec("DROP TRIGGER full");
    expect(inflight.take(token, delivered(inflight, 600))?.delaySeconds).toBe(0.6);
    expect(outbox(state)).toHaveLength(1);
  });

  it("are not taken before the 250 confirms them", () => {
    const state = open(":memory:");
    const inflight = new InFlight(state, "boot-1");
    const token = newToken();
    inflight.begin({ token, delivery: "out", direction: "send", vantage: "a", lossTimeoutMs: HOUR }, T0.wall);
    expect(inflight.take(token, delivered(inflight, 5))).toBeUndefined();
    expect(inflight.get(token)?.sentWall).toBeUndefined();
    expect(inflight.confirmed()).toEqual([]);
  });

  it("expire as lost at their own loss timeout, each once", () => {
    const state = open(":memory:");
    const inflight = new InFlight(state, "boot-1");
    const short = sent(inflight, 2 * HOUR);
    const long = sent(inflight, 6 * HOUR);
    const lost = (row: InFlightRow, age: { seconds: number; clock: "monotonic" | "wall" }) =>
      lostResult(row, age);
    expect(inflight.expire(at(2 * HOUR - 1), lost)).toEqual([]);
    const first = inflight.expire(at(2 * HOUR), lost);
    expect(first.map((r) => [r.token, r.outcome, r.ageSeconds])).toEqual([[short, "lost", 7200]]);
    expect(inflight.expire(at(5 * HOUR), lost)).toEqual([]);
    expect(inflight.expire(at(7 * HOUR), lost).map((r) => r.token)).toEqual([long]);
    expect(inflight.take(short, delivered(inflight, 8 * HOUR))).toBeUndefined();
    expect(outbox(state).map((r) => r.outcome)).toEqual(["lost", "lost"]);
    expect(inflight.awaitedIn("imap")).toBe(0);
  });

  it("survive a restart: a new process matches them on the wall clock and drops unconfirmed ones", () => {
    const path = join(mkdtempSync(join(tmpdir(), "mailsla-inflight-")), "state.db");
    const before = open(path);
    const old = new InFlight(before, "boot-1");
    const token = sent(old);
    const unconfirmed = newToken();
    old.begin(
      { token: unconfirmed, delivery: "in", direction: "receive", vantage: "a", lossTimeoutMs: HOUR },
      T0.wall,
    );
    before.close();
    states.splice(states.indexOf(before), 1);

    const after = open(path);
    // the new process's monotonic clock has another origin: its readings mean nothing for old rows
    const inflight = new InFlight(after, "boot-2");
    expect(inflight.recover().map((r) => r.token)).toEqual([unconfirmed]);
    expect(inflight.awaitedIn("imap")).toBe(1);
    const arrival = { wall: T0.wall + 90_000, mono: 5 };
    const r = inflight.take(token, (row) =>
      arrivedResult(row, inflight.elapsed(row, arrival), { ...seen(0), at: arrival }),
    );
    expect(r).toMatchObject({ outcome: "delivered", delaySeconds: 90, clock: "wall" });
    // detection bound plus the wall-clock allowance (1 s + 500 ppm of 90 s)
    expect(r?.errorBoundSeconds).toBeCloseTo(0.02 + 1 + 0.045, 6);
    expect(outbox(after)).toEqual([r]);
  });

  it("confirmed and taken lazily from a mailbox, are made durable by settle(), once per batch", () => {
    const path = join(mkdtempSync(join(tmpdir(), "mailsla-inflight-")), "state.db");
    const state = open(path);
    const inflight = new InFlight(state, "boot-1");
    const settles = () =>
      (state.db.prepare("SELECT n FROM delivery_settled").get() as { n: number } | undefined)?.n ?? 0;
    inflight.settle(); // at start: a crashed predecessor's lazy commits are made durable
    inflight.settle(); // then nothing confirmed or taken: no commit
    expect(settles()).toBe(1);
    const [a, b, c] = [sent(inflight), sent(inflight), sent(inflight)];
    inflight.settle(); // the lazy confirmations
    expect(settles()).toBe(2);
    const ra = inflight.take(a, delivered(inflight, 100), false);
    inflight.take(b, delivered(inflight, 200), false);
    expect(ra).toMatchObject({ token: a, outcome: "delivered" });
    expect(settles()).toBe(2); // lazy takes wait for the settle
    inflight.settle();
    inflight.settle(); // the second has nothing to do
    expect(settles()).toBe(3);
    inflight.take(c, delivered(inflight, 300)); // a durable take flushes what came before it
    inflight.settle();
    expect(settles()).toBe(3);
    expect(outbox(state).map((r) => r.token)).toEqual([a, b, c]);
  });

  it("give one message's results one id, derived from its token: the collector stores it once", () => {
    const inflight = new InFlight(open(":memory:"), "boot-1");
    const token = sent(inflight);
    const row = inflight.get(token)!;
    const first = arrivedResult(row, inflight.elapsed(row, at(100)), seen(100));
    const again = arrivedResult(row, { seconds: 900, clock: "wall" }, seen(900_000));
    expect(first.id).toBe(again.id);
    expect(lostResult(row, { seconds: 3600, clock: "monotonic" }).id).toBe(first.id);
    expect(DeliveryResult.parse(first).id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const other = inflight.get(sent(inflight))!;
    expect(arrivedResult(other, inflight.elapsed(other, at(100)), seen(100)).id).not.toBe(first.id);
  });
});
