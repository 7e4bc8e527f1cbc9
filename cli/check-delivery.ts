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
import type { Logger } from "../contract/log.js";
import type { ProbeResult } from "../contract/result.js";
import { runDeps, servicesFor } from "../probes/agent.js";
import { startDeliveries } from "../probes/delivery/deliveries.js";
import { senderAuthAtSink } from "../probes/hygiene/at-sink.js";
import { openAgentState } from "../probes/state/agent-state.js";

/**
 * `mailsla check --delivery NAME`: sends one probe message of a delivery and waits for it to arrive
 * (or for the timeout), printing each phase with its time since the start: the sink listening,
 * the mailbox watched, the message handed over (the 250 to DATA), its arrival and the delay the
 * agent would report, with the Received hops. What an operator runs to prove the probe domain's
 * MX and the operator's transport before trusting the 7.1.8 figures. A send delivery's message is
 * also judged by each `sender-auth` service of the vantage point, as the agent judges it at the sink
 * (SPF, DKIM, DMARC, ARC, PTR, HELO), each printed: `mailsla check --service` sends those services
 * here. It runs the agent's own delivery code on a throw-away state file, so nothing reaches the
 * agent's outbox or the collector.
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
  const log = pino({ name: "check", level: o.logLevel ?? "warn" }, destination(2));
  const judge = senderAuthJudge(config, vantage, d.direction === "send", log);
  const runner = await startDeliveries({
    config: { ...config, deliveries: [d] },
    vantage,
    state,
    log,
    registry: new Registry(),
    schedule: false,
    ...(judge.onSinkMessage ? { onSinkMessage: judge.onSinkMessage } : {}),
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
    let judged = true;
    for (const j of await judge.results(o.timeoutMs)) {
      if (!j) {
        say(`FAIL sender-auth: no judgement within ${o.timeoutMs / 1000} s`);
        judged = false;
        continue;
      }
      say(senderAuthLine(j));
      judged &&= j.ok;
    }
    return judged;
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

/** The sender-auth services of the vantage point judging the sink's message, and their results. */
interface SenderAuthJudge {
  onSinkMessage: ReturnType<typeof senderAuthAtSink>;
  /** One result per sender-auth service (undefined: none came within `ms`). */
  results(ms: number): Promise<(ProbeResult | undefined)[]>;
}

/**
 * The agent's own sink judgement (probes/hygiene/at-sink.ts) for a send delivery: the results go to
 * this command's output instead of the outbox. Nothing to judge for other directions, or without a
 * `sender-auth` service for the vantage point.
 */
function senderAuthJudge(
  config: Readonly<Config>,
  vantage: string,
  send: boolean,
  log: Logger,
): SenderAuthJudge {
  const services = send ? servicesFor(config, vantage).filter((s) => s.kind === "sender-auth") : [];
  const got: ProbeResult[] = [];
  let wake: (() => void) | undefined;
  const onSinkMessage =
    services.length === 0
      ? undefined
      : senderAuthAtSink({
          services,
          deps: runDeps(config, vantage),
          timeoutMs: config.agent.timeout,
          record(r) {
            got.push(r);
            wake?.();
          },
          log,
        });
  return {
    onSinkMessage,
    async results(ms) {
      const deadline = Date.now() + ms;
      while (got.length < services.length && Date.now() < deadline)
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now())));
        });
      return services.map((s) => got.find((r) => r.check === s.name));
    },
  };
}

/** One line per sender-auth judgement: every aspect on a pass, the code, stage and why on a failure. */
function senderAuthLine(r: ProbeResult): string {
  if (r.ok) {
    const d = r.details ?? {};
    const aspects = ["spf", "dkim", "dmarc", "arc", "ptr", "helo"].map((a) => `${a}=${String(d[a])}`);
    return `PASS sender-auth ${r.check}: ${aspects.join(" ")} (from ${String(d.ip)}, HELO ${String(d.heloName)})`;
  }
  const e = r.error!;
  return `FAIL sender-auth ${r.check}: ${e.code} at ${e.stage}: ${ERROR_CODES[e.code as ErrorCode]} (${e.message})`;
}
