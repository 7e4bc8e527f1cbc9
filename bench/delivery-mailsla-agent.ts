import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { pino } from "pino";
import { Registry } from "prom-client";
import { startDeliveries, type DeliveryRunner } from "../probes/delivery/deliveries.js";
import { openAgentState } from "../probes/state/agent-state.js";
import { exportPasswords, stackConfig } from "../test/delivery/harness.js";
import type { MailStack } from "../test/stack/mail-stack.js";
import { hrMinusPerf } from "./delivery-common.js";

/**
 * The mailsla agent of the delivery bench, run as a process of its own (forked by
 * bench/delivery-mailsla.ts) so its CPU is read from /proc for it alone, exactly like the peers':
 * neither the bench's loop nor its witness thread counts. It runs the shipped delivery runner with
 * one roundtrip delivery and talks to the bench over IPC only. Probes are sent on the agent's own
 * timer (`run`), as production's timetable sends, so per probe only one message goes over IPC: its
 * result (or the send's failure).
 * Its time stamps are CLOCK_MONOTONIC milliseconds (process.hrtime), the clock the witness uses.
 */

/** What the bench tells the agent to do. */
export type AgentCommand =
  | {
      type: "start";
      /** The parts of the stack the configuration is built from (host, ports, users, CA). */
      stack: Pick<MailStack, "host" | "hostname" | "ports" | "users" | "caFile">;
      stateFile: string;
      burstMs: number;
    }
  /** Sends `count` probes `spacingMs` apart on the agent's own timer, then reports "ran". */
  | { type: "run"; count: number; spacingMs: number }
  /** Starts the V8 CPU profiler now, or stops it and writes the profile to `file`. */
  | { type: "profile"; action: "start" }
  | { type: "profile"; action: "stop"; file: string }
  | { type: "stop" };

/** What the agent reports: ready, each send that failed, each committed result. */
export type AgentEvent =
  | { type: "ready" }
  | { type: "ran" }
  | { type: "profiled"; action: "start" | "stop" }
  | { type: "send-failed"; token: string; error: string }
  | {
      type: "result";
      token: string;
      outcome: string;
      /** When onResult ran (the result is committed to the outbox), CLOCK_MONOTONIC ms. */
      reportedHr: number;
      /** The watcher's own detection stamp (250 + measured delay), CLOCK_MONOTONIC ms. */
      detectedHr?: number;
      error?: string;
    }
  | { type: "error"; error: string };

const post = (e: AgentEvent) => process.send!(e);
const hr = () => Number(process.hrtime.bigint()) / 1e6;

let runner: DeliveryRunner | undefined;
let close: () => void = () => undefined;
const sentAt = new Map<string, number>();

async function start(c: Extract<AgentCommand, { type: "start" }>): Promise<void> {
  const stack = c.stack as MailStack;
  exportPasswords(stack);
  const config = stackConfig(stack, (raw) => {
    raw.deliveries = [
      { name: "rt", direction: "roundtrip", via: "sub", mailbox: "imap", vantagePoints: ["a"] },
    ];
  });
  const state = openAgentState(c.stateFile);
  close = () => state.close();
  const offset = hrMinusPerf();
  runner = await startDeliveries({
    ...{ config, vantage: "a", state, registry: new Registry(), schedule: false },
    log: pino({ level: "silent" }),
    tuning: { burstMs: c.burstMs },
    onResult: (r) => {
      const sent = sentAt.get(r.token);
      sentAt.delete(r.token);
      post({
        type: "result",
        token: r.token,
        outcome: r.outcome,
        reportedHr: hr(),
        ...(sent !== undefined && r.delaySeconds !== undefined
          ? { detectedHr: sent + offset + r.delaySeconds * 1000 }
          : {}),
        ...(r.error ? { error: `${r.error.code} at ${r.error.stage}: ${r.error.message}` } : {}),
      });
    },
  });
  await runner.ready();
  post({ type: "ready" });
}

async function send(): Promise<void> {
  const out = await runner!.sendNow("rt");
  if ("failed" in out) {
    const e = out.failed.error;
    post({ type: "send-failed", token: out.token, error: e ? `${e.code} at ${e.stage}: ${e.message}` : "" });
  } else {
    sentAt.set(out.token, out.at.mono);
  }
}

/** The timed probes: fixed-rate sends on this process's timer, like the runner's own schedule. */
async function run(c: Extract<AgentCommand, { type: "run" }>): Promise<void> {
  let due = performance.now();
  for (let i = 0; i < c.count; i++) {
    await send();
    due += c.spacingMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  post({ type: "ran" });
}

async function stop(): Promise<void> {
  await runner?.stop();
  close();
  process.disconnect(); // the loop drains and the process exits normally (--cpu-prof writes then)
}

let session: Session | undefined;

/**
 * The profiler runs only while the bench says so (the timed probes), so module loading, TLS
 * warm-up and JIT at start do not hide what a probe costs; unlike `node --cpu-prof`, this also
 * leaves the agent's start-up out of the profile.
 */
async function profile(c: Extract<AgentCommand, { type: "profile" }>): Promise<void> {
  if (c.action === "start") {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  } else {
    const { profile } = await session!.post("Profiler.stop");
    writeFileSync(c.file, JSON.stringify(profile));
    session!.disconnect();
  }
  post({ type: "profiled", action: c.action });
}

process.on("message", (c: AgentCommand) => {
  const work =
    c.type === "start" ? start(c) : c.type === "run" ? run(c) : c.type === "profile" ? profile(c) : stop();
  work.catch((err: unknown) => post({ type: "error", error: String((err as Error)?.stack ?? err) }));
});
