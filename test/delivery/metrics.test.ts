/**
 * Delivery metrics: bucket bounds exactly at the 7.1.8/7.1.9 targets, the in-flight age computed at
 * scrape time (a 3-hour-old message shows as 3 hours old before it lands), counters per outcome, and
 * an exposition promtool accepts.
 */
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { Delivery } from "../../config/delivery.js";
import { INDICATORS } from "../../contract/indicators.js";
import { InFlight, instant } from "../../probes/delivery/inflight.js";
import { DELAY_BUCKETS, createDeliveryMetrics } from "../../probes/delivery/metrics.js";
import { newToken } from "../../probes/delivery/message.js";
import { arrivedResult, lostResult, sendFailedResult } from "../../probes/delivery/result.js";
import { ProbeError } from "../../contract/errors.js";
import { openAgentState } from "../../probes/state/agent-state.js";
import { promtoolCheckMetrics } from "../helpers/tools.js";

const deliveries = [
  Delivery.parse({ name: "out", direction: "send", via: "sub" }),
  Delivery.parse({ name: "in", direction: "receive", via: "mx", mailbox: "imap" }),
];

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2026, 10, 22, 8)) {
  let offset = 0;
  return {
    now: () => start + offset,
    monotonic: () => 50 + offset,
    advance: (ms: number) => (offset += ms),
  };
}

describe("delivery metrics", () => {
  it("have bucket bounds at exactly 600 s and 10,800 s, from the indicator catalogue", () => {
    expect(DELAY_BUCKETS).toContain(INDICATORS.sendDelayAverage.target);
    expect(DELAY_BUCKETS).toContain(INDICATORS.receiveDelayMaximum.target);
    expect(DELAY_BUCKETS).toContain(600);
    expect(DELAY_BUCKETS).toContain(10_800);
    expect([...DELAY_BUCKETS].sort((a, b) => a - b)).toEqual(DELAY_BUCKETS);
  });

  it("export the oldest in-flight age at scrape time, outcomes per delivery, and pass promtool", async () => {
    const clock = manualClock();
    const state = openAgentState(":memory:");
    const inflight = new InFlight(state, "boot");
    const registry = new Registry();
    const m = createDeliveryMetrics(registry, deliveries, "v1", () => inflight.ages(instant(clock)));
    const labels = '{delivery="in",direction="receive",vantage="v1"}';
    expect(await registry.metrics()).toContain(`mailsla_delivery_inflight_oldest_age_seconds${labels} 0`);

    const stuck = newToken();
    const msg = { token: stuck, delivery: "in", direction: "receive" as const, vantage: "v1" };
    inflight.begin({ ...msg, lossTimeoutMs: 6 * 3_600_000, mailbox: "imap" }, clock.now());
    inflight.confirm(stuck, instant(clock));
    m.sent(deliveries[1]!);
    clock.advance(3 * 3_600_000);
    const text = await registry.metrics();
    expect(text).toContain(`mailsla_delivery_inflight_oldest_age_seconds${labels} 10800`);
    expect(text).toContain(`mailsla_delivery_inflight_messages${labels} 1`);
    expect(text).toContain(`mailsla_delivery_sent_total${labels} 1`);

    const row = inflight.get(stuck)!;
    const elapsed = inflight.elapsed(row, instant(clock));
    const seen = {
      at: instant(clock),
      boundSeconds: 0.5,
      detection: "imap-idle" as const,
      hops: [],
      spam: false,
    };
    m.observe(arrivedResult(row, elapsed, seen));
    m.observe(arrivedResult(row, { seconds: 2, clock: "monotonic" }, { ...seen, spam: true }));
    m.observe(lostResult(row, elapsed));
    m.observe(
      sendFailedResult(
        { ...msg, delivery: "out", direction: "send" },
        0,
        new ProbeError("auth", "auth", "no"),
      ),
    );
    const after = await registry.metrics();
    expect(after).toContain(`mailsla_delivery_delay_seconds_bucket{le="10800",${labels.slice(1, -1)}} 1`);
    expect(after).toContain(`mailsla_delivery_delay_seconds_bucket{le="7200",${labels.slice(1, -1)}} 0`);
    expect(after).toContain(`mailsla_delivery_error_bound_seconds${labels} 0.5`);
    expect(after).toContain(`mailsla_delivery_spam_total${labels} 1`);
    expect(after).toContain(`mailsla_delivery_lost_total${labels} 1`);
    expect(after).toContain(
      'mailsla_delivery_send_failures_total{delivery="out",direction="send",vantage="v1",code="auth",stage="auth"} 1',
    );
    const lint = promtoolCheckMetrics(after);
    expect(lint.output).toBe("");
    expect(lint.ok).toBe(true);
    state.close();
  });
});
