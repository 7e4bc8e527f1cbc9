import { setMaxListeners } from "node:events";
import type { Registry } from "prom-client";
import { ResultLog } from "../result-log.js";
import { deliveriesFor, sinkDomain, sinkListen, type Delivery } from "../../config/delivery.js";
import type { Config } from "../../config/schema.js";
import type { ServiceOf } from "../../config/services.js";
import { systemClock, type Clock } from "../../contract/clock.js";
import type { Logger } from "../../contract/log.js";
import type { AgentState } from "../state/agent-state.js";
import { Arrivals } from "./arrivals.js";
import { InFlight, instant, PROCESS_BOOT_ID } from "./inflight.js";
import { watchImap } from "./imap-watch.js";
import { createDeliveryMetrics } from "./metrics.js";
import type { DeliveryResult } from "../../contract/delivery-result.js";
import { sendProbe, type SendContext, type SendOutcome } from "./sender.js";
import { SINK_BOUND_SECONDS, startSink, type RunningSink, type SinkReceived } from "./sink.js";
import { watchPop3 } from "./pop3-watch.js";
import { loginSlot } from "../net/pop3-login-slot.js";
import { HostLimits } from "../net/host-limits.js";
import { SmtpPool } from "./smtp-pool.js";
import { DEFAULT_TUNING, type Watcher, type WatchTuning } from "./watch.js";
import { keepCompiledCode } from "./keep-code.js";

/**
 * The delivery-delay probes of one agent: each delivery sends a probe message at its interval, the
 * sink and the mailbox watchers see them arrive, and messages not arrived within their loss timeout
 * become lost results. Every result goes to the state file's outbox (type "delivery").
 */

/** What {@link startDeliveries} needs; probes/agent.ts passes its own registry and state. */
export interface DeliveryOptions {
  config: Readonly<Config>;
  vantage: string;
  state: AgentState;
  log: Logger;
  registry: Registry;
  clock?: Clock;
  /** Send on each delivery's interval (default); tests set false and call sendNow(). */
  schedule?: boolean;
  /** Identity of this process's monotonic clock; a restarted agent has a new one. */
  bootId?: string;
  /** Watcher timing, for tests and servers with unusual behaviour. */
  tuning?: Partial<WatchTuning>;
  /** How often losses are looked for (against the injected clock). Default 30 s. */
  lossCheckMs?: number;
  /** Called with every result after it is committed to the outbox. */
  onResult?: (result: DeliveryResult) => void;
  /**
   * Keep SMTP sessions open between probe messages (default true). Tests that change the MTA's
   * configuration between messages turn it off: a reused session keeps the server process, and so
   * the configuration, it started with (Postfix's smtpd serves a client until it leaves).
   */
  sessionReuse?: boolean;
  /**
   * Called with each message the sink received for a probe this agent sent (unknown tokens are
   * left out: strangers cannot make the sender checks judge their mail): probes/hygiene/at-sink.ts.
   */
  onSinkMessage?: (message: SinkReceived) => void;
}

/** What sendNow() came to (defined with the sending code). */
export type { SendOutcome };

/** Running delivery probes. */
export interface DeliveryRunner {
  /** Sends one probe message of the named delivery now. */
  sendNow(name: string): Promise<SendOutcome>;
  /** Turns every message past its loss timeout into a lost result now. */
  expireNow(): DeliveryResult[];
  /** Where the sink listens, when this agent runs send probes. */
  sinkAddress: { host: string; port: number } | undefined;
  /** Resolves once every mailbox watcher has looked at its mailbox for the first time. */
  ready(): Promise<void>;
  /** Stops timers, watchers and the sink; sends in progress are abandoned without a result. */
  stop(): Promise<void>;
}

/**
 * Starts this vantage point's delivery probes. Messages left in flight by an earlier process are
 * matched when they arrive (their delay then falls back to wall-clock time) or expire as lost.
 */
export async function startDeliveries(o: DeliveryOptions): Promise<DeliveryRunner> {
  keepCompiledCode();
  const clock = o.clock ?? systemClock;
  const deliveries = deliveriesFor(o.config.deliveries, o.vantage);
  const { inflight, metrics, arrivals, publish } = bookkeeping(o, clock, deliveries);
  const domain = o.config.sink ? sinkDomain(o.config.sink, o.vantage) : undefined;
  const sink = await startSinkIfNeeded(o, deliveries, domain, clock, arrivals);
  const limits = new HostLimits(o.config.agent.hostLimits);
  const pool = o.sessionReuse === false ? undefined : new SmtpPool(limits);
  const watchers = startWatchers(o, deliveries, clock, inflight, arrivals, limits);
  const shutdown = new AbortController();
  // every hand-over in progress listens to it (probes/delivery/send.ts): one per delivery at most
  // on the timetable, thousands on a large agent, none of them a leak
  setMaxListeners(0, shutdown.signal);
  const running = new Set<Promise<unknown>>();

  const ctx: SendContext = {
    ...{ config: o.config, vantage: o.vantage, domain, clock, inflight, arrivals, outbox: o.state.outbox },
    signal: shutdown.signal,
    expect: (mailbox) => watchers.get(mailbox)?.expect(),
    sent: (d) => metrics.sent(d),
    publish,
    limits,
    ...(pool ? { pool } : {}),
  };
  const sendOnce = (d: Delivery) => sendProbe(d, ctx);
  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    void p.finally(() => running.delete(p)).catch(() => undefined);
    return p;
  };
  const expireNow = () => {
    const results = inflight.expire(instant(clock), arrivals.lost);
    results.forEach(publish);
    return results;
  };
  const expireSafely = () => {
    try {
      inflight.settle(); // a lazy take is durable within one loss check
    } catch (err) {
      o.log.error({ err }, "could not make the state file durable; trying again later");
    }
    try {
      expireNow();
    } catch (err) {
      o.log.error({ err }, "could not expire lost probe messages; trying again later");
    }
  };

  expireSafely();
  const timers =
    o.schedule === false
      ? []
      : deliveries.map((d, i) => schedule(d, i / deliveries.length, () => track(sendOnce(d))));
  const lossTimer = setInterval(expireSafely, o.lossCheckMs ?? 30_000);
  return {
    sinkAddress: sink?.address,
    sendNow(name) {
      const d = deliveries.find((x) => x.name === name);
      if (!d) throw new Error(`no delivery "${name}" for vantage point ${o.vantage}`);
      return track(sendOnce(d));
    },
    expireNow,
    async ready() {
      await Promise.all([...watchers.values()].map((w) => w.ready()));
    },
    async stop() {
      timers.forEach((t) => t.stop());
      clearInterval(lossTimer);
      shutdown.abort();
      await Promise.allSettled([...running]);
      pool?.close();
      await Promise.all([...watchers.values()].map((w) => w.stop()));
      inflight.settle(); // no more mailbox takes; the sink's are durable at once
      await sink?.close();
    },
  };
}

/** The in-flight table, the metrics, the arrival matcher and the one place results are published. */
function bookkeeping(o: DeliveryOptions, clock: Clock, deliveries: Delivery[]) {
  const inflight = new InFlight(o.state, o.bootId ?? PROCESS_BOOT_ID);
  const dropped = inflight.recover();
  if (dropped.length > 0)
    o.log.warn({ tokens: dropped.map((r) => r.token) }, "dropped probes never confirmed");
  const ages = () => inflight.ages(instant(clock));
  const metrics = createDeliveryMetrics(o.registry, deliveries, o.vantage, ages);
  const results = new ResultLog(o.log, o.config.thresholds.consecutiveFailures);
  const publish = (r: DeliveryResult) => {
    metrics.observe(r);
    results.delivery(r);
    o.onResult?.(r);
  };
  const arrivals = new Arrivals({
    ...{ inflight, clock, vantage: o.vantage, log: o.log },
    staleAfterMs: 2 * Math.max(0, ...o.config.deliveries.map((d) => d.lossTimeout)),
    published: publish,
  });
  return { inflight, metrics, arrivals, publish };
}

async function startSinkIfNeeded(
  o: DeliveryOptions,
  deliveries: Delivery[],
  domain: string | undefined,
  clock: Clock,
  arrivals: Arrivals,
): Promise<RunningSink | undefined> {
  const sink = o.config.sink;
  if (!sink || !domain || !deliveries.some((d) => d.direction === "send")) return undefined;
  const onSinkMessage = o.onSinkMessage;
  const known = new Set<string>(); // tokens taken from the in-flight table, until their message is judged
  return startSink({
    ...{ listen: sinkListen(sink, o.vantage), domain, certFile: sink.certFile, keyFile: sink.keyFile, clock },
    onArrival: (a) => {
      const seen = { ...a, boundSeconds: SINK_BOUND_SECONDS, spam: false };
      if (arrivals.arrive(a.token, seen) === "unknown")
        o.log.info({ token: a.token }, "sink: unknown probe token");
      else if (onSinkMessage) {
        if (known.size >= 1000) known.clear(); // messages whose DATA never came: bounded, not kept
        known.add(a.token);
      }
    },
    ...(onSinkMessage
      ? {
          onMessage: (m: SinkReceived) => {
            if (m.tokens.filter((t) => known.delete(t)).length > 0) onSinkMessage(m);
          },
        }
      : {}),
  });
}

/** One watcher per mailbox service used by this agent's receive and roundtrip deliveries. */
function startWatchers(
  o: DeliveryOptions,
  deliveries: Delivery[],
  clock: Clock,
  inflight: InFlight,
  arrivals: Arrivals,
  limits: HostLimits,
): Map<string, Watcher> {
  const watchers = new Map<string, Watcher>();
  for (const d of deliveries) {
    if (!d.mailbox || watchers.has(d.mailbox)) continue;
    const service = o.config.services.find((s) => s.name === d.mailbox) as ServiceOf<"imap" | "pop3">;
    const account = o.config.accounts[service.account]!;
    const watch = service.kind === "imap" ? service.watch : undefined;
    const pollMs =
      watch?.pollInterval ??
      Math.min(...deliveries.filter((x) => x.mailbox === d.mailbox).map((x) => x.pollInterval));
    if (service.kind === "pop3")
      loginSlot(service.host, service.port, account.username).plan(`watcher ${service.name}`, pollMs, o.log);
    const deps = {
      clock,
      log: o.log,
      tuning: { ...DEFAULT_TUNING, pollMs, ...(watch ? { mode: watch.mode } : {}), ...o.tuning },
      awaited: () => inflight.awaitedIn(service.name),
      onArrival: arrivals.fromMailbox,
      settle: () => inflight.settle(),
      limits,
    };
    watchers.set(
      service.name,
      service.kind === "imap" ? watchImap(service, account, deps) : watchPop3(service, account, deps),
    );
  }
  return watchers;
}

/**
 * Runs `run` every interval (fixed rate), never overlapping. The first run comes `phase` (0 to 1) of
 * the way into the first interval: delivery i of n starts at i/n, so an agent's deliveries spread
 * evenly over each interval (2,000 mailboxes at one probe a minute are ~33 hand-overs a second, not
 * 2,000 within the first seconds of each minute, which would queue on the host limits and crowd the
 * watchers' bursts), while the first delivery still runs at once (a fresh agent shows a delay soon).
 */
function schedule(d: Delivery, phase: number, run: () => Promise<unknown>): { stop(): void } {
  let due = performance.now() + phase * d.interval;
  let busy = false;
  let timer: NodeJS.Timeout;
  const tick = () => {
    if (!busy) {
      busy = true;
      void run()
        .catch(() => undefined)
        .finally(() => (busy = false));
    }
    due += d.interval;
    const now = performance.now();
    while (due < now) due += d.interval;
    timer = setTimeout(tick, due - now);
  };
  timer = setTimeout(tick, due - performance.now());
  return { stop: () => clearTimeout(timer) };
}
