import { pino } from "pino";
import { Registry } from "prom-client";
import { startDeliveries, type DeliveryRunner } from "../probes/delivery/deliveries.js";
import { openAgentState, type AgentState } from "../probes/state/agent-state.js";
import { exportPasswords, stackConfig } from "../test/delivery/harness.js";
import type { MailStack, StackUser } from "../test/stack/mail-stack.js";

/**
 * The agent of the scale bench (bench/scale.ts), a process of its own (bundled by bench/bundle.ts
 * and run with plain node, as production runs the compiled agent) so its CPU and RSS are its own:
 * the shipped delivery runner with one IMAP mailbox and one receive delivery (the agent hands the
 * message to the MX, as the source server) per generated probe user, each on its own one-minute
 * schedule. It reports each committed result to the bench over IPC, stamped on CLOCK_MONOTONIC,
 * the clock of the bench's witness thread.
 */

/** What the bench tells the agent. */
export type ScaleCommand =
  | {
      type: "start";
      stack: Pick<MailStack, "host" | "hostname" | "ports" | "users" | "caFile">;
      /** The generated probe users, one mailbox and one receive delivery each. */
      users: StackUser[];
      intervalSeconds: number;
      loginsPerSecond: number;
      stateFile: string;
    }
  | { type: "stop" };

/** What the agent reports: ready (every watcher looked once), each result, the messages left in flight. */
export type ScaleEvent =
  | { type: "ready" }
  | {
      type: "result";
      token: string;
      delivery: string;
      outcome: string;
      /** Wall ms of the 250 to DATA (or of the attempt, for send-failed). */
      sentAt: number;
      delaySeconds?: number;
      errorBoundSeconds?: number;
      /** When onResult ran (the result is committed), CLOCK_MONOTONIC ms. */
      reportedHr: number;
      error?: string;
    }
  | { type: "stopped"; inflight: { token: string; sentWall: number | null }[] }
  | { type: "error"; error: string };

const post = (e: ScaleEvent) => process.send!(e);
const hr = () => Number(process.hrtime.bigint()) / 1e6;

let runner: DeliveryRunner | undefined;
let state: AgentState | undefined;

async function start(c: Extract<ScaleCommand, { type: "start" }>): Promise<void> {
  const stack = c.stack as MailStack;
  exportPasswords(stack);
  c.users.forEach((u, i) => (process.env[`MAILSLA_SCALE_${i}`] = u.pass));
  const tls = { mode: "implicit", verify: true, caFile: stack.caFile, servername: stack.hostname };
  const config = stackConfig(stack, (raw) => {
    raw.agent = { hostLimits: { connections: 8, loginsPerSecond: c.loginsPerSecond } };
    c.users.forEach((u, i) => {
      raw.accounts[`s${i}`] = { username: u.user, password: { env: `MAILSLA_SCALE_${i}` } };
      raw.services.push({
        name: `box${i}`,
        kind: "imap",
        host: stack.host,
        port: stack.ports.imaps,
        account: `s${i}`,
        tls,
      });
    });
    raw.deliveries = c.users.map((_, i) => ({
      ...{ name: `rx${i}`, direction: "receive", via: "mx", mailbox: `box${i}` },
      ...{ interval: `${c.intervalSeconds}s`, vantagePoints: ["a"] },
    }));
  });
  state = openAgentState(c.stateFile);
  runner = await startDeliveries({
    ...{ config, vantage: "a", state, registry: new Registry() },
    log: pino({ level: process.env.MAILSLA_BENCH_LOG ?? "silent" }),
    onResult: (r) =>
      post({
        type: "result",
        ...{ token: r.token, delivery: r.delivery, outcome: r.outcome, sentAt: r.sentAt, reportedHr: hr() },
        ...(r.delaySeconds !== undefined ? { delaySeconds: r.delaySeconds } : {}),
        ...(r.errorBoundSeconds !== undefined ? { errorBoundSeconds: r.errorBoundSeconds } : {}),
        ...(r.error ? { error: `${r.error.code} at ${r.error.stage}: ${r.error.message}` } : {}),
      }),
  });
  await runner.ready();
  post({ type: "ready" });
}

async function stop(): Promise<void> {
  await runner?.stop();
  const inflight = state?.db.prepare("SELECT token, sent_wall AS sentWall FROM delivery_inflight").all() as {
    token: string;
    sentWall: number | null;
  }[];
  post({ type: "stopped", inflight: inflight ?? [] });
  state?.close();
  process.disconnect();
}

process.on("message", (c: ScaleCommand) => {
  (c.type === "start" ? start(c) : stop()).catch((err: unknown) =>
    post({ type: "error", error: String((err as Error)?.stack ?? err) }),
  );
});
