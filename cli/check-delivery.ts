import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { destination, pino } from "pino";
import { Registry } from "prom-client";
import { deliveriesFor, sinkDomain, sinkListen } from "../config/delivery.js";
import type { Config } from "../config/schema.js";
import { systemClock } from "../contract/clock.js";
import type { DeliveryResult } from "../contract/delivery-result.js";
import { ERROR_CODES, type ErrorCode } from "../contract/errors.js";
import { startDeliveries } from "../probes/delivery/deliveries.js";
import { openAgentState } from "../probes/state/agent-state.js";

/**
 * `mailsla check --delivery NAME`: sends one probe message of a delivery and waits for it to arrive
 * (or for the timeout), printing each phase with its time since the start: the sink listening,
 * the mailbox watched, the message handed over (the 250 to DATA), its arrival and the delay the
 * agent would report, with the Received hops. What an operator runs to prove the probe domain's
 * MX and the operator's transport before trusting the 7.1.8 figures. It runs the agent's own
 * delivery code on a throw-away state file, so nothing reaches the agent's outbox or the collector.
 */

/** Options of {@link checkDelivery}. */
export interface CheckDeliveryOptions {
  /** How long to wait for the arrival after the hand-over. */
  timeoutMs: number;
  /** Where the phases are printed (one line each). */
  print: (line: string) => void;
  /** Level of the delivery code's own log (JSON on stderr); "warn" by default. */
  logLevel?: string;
}

/** Runs one probe of `name` from `vantage`; resolves true when the message arrived (delivered). */
export async function checkDelivery(
  config: Readonly<Config>,
  vantage: string,
  name: string,
  o: CheckDeliveryOptions,
): Promise<boolean> {
  const mine = deliveriesFor(config.deliveries, vantage);
  const d = mine.find((x) => x.name === name);
  if (!d) {
    const known = mine.map((x) => x.name).join(", ") || "none";
    throw new Error(`no delivery "${name}" for vantage point "${vantage}" (its deliveries: ${known})`);
  }
  const t0 = systemClock.monotonic();
  const at = () => `+${((systemClock.monotonic() - t0) / 1000).toFixed(3)}s`.padStart(10);
  const say = (line: string) => o.print(`${at()}  ${line}`);
  const dir = mkdtempSync(join(tmpdir(), "mailsla-check-delivery-"));
  const state = openAgentState(join(dir, "state.sqlite"));
  const results = new Map<string, DeliveryResult>();
  let arrived: ((r: DeliveryResult) => void) | undefined;
  const runner = await startDeliveries({
    config: { ...config, deliveries: [d] },
    vantage,
    state,
    log: pino({ name: "check", level: o.logLevel ?? "warn" }, destination(2)),
    registry: new Registry(),
    schedule: false,
    onResult(r) {
      results.set(r.token, r);
      arrived?.(r);
    },
  }).catch((err: unknown) => {
    state.close();
    rmSync(dir, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    const at = sinkListen(config.sink!, vantage);
    throw new Error(`the sink's address ${at} is in use: is the agent of ${vantage} running? Stop it first`);
  });
  try {
    say(`delivery ${d.name}: ${d.direction} via ${d.via}${d.mailbox ? `, read in ${d.mailbox}` : ""}`);
    if (runner.sinkAddress) {
      const s = runner.sinkAddress;
      say(`sink listening on ${s.host}:${s.port} for ${sinkDomain(config.sink!, vantage)}`);
    }
    await runner.ready();
    if (d.mailbox) say(`mailbox ${d.mailbox} watched`);
    const sent = await runner.sendNow(d.name);
    if ("failed" in sent) {
      const e = sent.failed.error!;
      const reply = e.responseCode ? ` [${e.responseCode}]` : "";
      say(
        `FAIL hand-over to ${d.via}: ${e.code} at ${e.stage}${reply}: ${ERROR_CODES[e.code as ErrorCode]} (${e.message})`,
      );
      return false;
    }
    say(
      `handed over to ${d.via}: 250 to DATA${sent.queueId ? ` (queue id ${sent.queueId})` : ""}, token ${sent.token}`,
    );
    const r = results.get(sent.token) ?? (await waitFor(sent.token, o.timeoutMs, (f) => (arrived = f)));
    if (!r) {
      say(
        `FAIL not arrived within ${o.timeoutMs / 1000} s (the real agent waits ${d.lossTimeout / 1000} s before counting it lost)`,
      );
      return false;
    }
    for (const h of r.hops ?? [])
      say(`  hop: from ${h.from ?? "?"} by ${h.by ?? "?"}${h.with ? ` with ${h.with}` : ""}`);
    if (r.outcome !== "delivered") {
      say(
        `FAIL ${r.outcome}${r.detection ? ` (${r.detection})` : ""}${r.error ? `: ${r.error.message}` : ""}`,
      );
      return false;
    }
    say(`PASS arrived (${r.detection}): delay ${r.delaySeconds} s, error bound ${r.errorBoundSeconds} s`);
    return true;
  } finally {
    await runner.stop();
    state.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves with the result of `token` once it comes, or undefined after `ms`. */
function waitFor(
  token: string,
  ms: number,
  listen: (f: (r: DeliveryResult) => void) => void,
): Promise<DeliveryResult | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    listen((r) => {
      if (r.token !== token) return;
      clearTimeout(timer);
      resolve(r);
    });
  });
}
