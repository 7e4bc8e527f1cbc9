import type { ServiceOf } from "../../config/services.js";
import type { Clock } from "../../contract/clock.js";
import { classifyError, codedError, type ProbeError, type Stage } from "../../contract/errors.js";
import type { CheckContext, Credentials } from "../kinds/kind.js";
import type { HostLimits } from "../net/host-limits.js";
import { openSmtpSession, type SmtpSession } from "../kinds/smtp.js";
import { formatReply, type DataResult } from "../net/smtp-dialog.js";
import type { Instant } from "./inflight.js";
import { queueIdOf } from "./result.js";
import type { Lease, SmtpPool } from "./smtp-pool.js";

/**
 * Hands one probe message to the operator over SMTP: through submission with AUTH (send, roundtrip)
 * or straight to the MX without AUTH, the agent acting as the source server (receive). The 250 to
 * DATA is the start of every delay (7.1.8, 7.1.9): it is read on the monotonic clock by SmtpDialog.
 */

/** One hand-over. */
export interface HandOver {
  service: ServiceOf<"submission"> | ServiceOf<"smtp">;
  /** Logs in with this account first (submission); none for the MX. */
  account?: Credentials | undefined;
  from: string;
  to: string;
  message: string;
  clock: Clock;
  timeoutMs: number;
  ehloName: string;
  /** Agent shutdown. */
  signal?: AbortSignal | undefined;
  /** Called right before DATA: the in-flight row must exist before the message can arrive. */
  beforeData(): void;
  /** Per-host session and login limits and the host's back-off (config `agent.hostLimits`). */
  limits?: HostLimits | undefined;
  /** Sessions kept open between messages; without it every hand-over opens and QUITs its own. */
  pool?: SmtpPool | undefined;
}

/** The operator took the message over. */
export interface Accepted {
  /** The 250 to DATA on both clocks. */
  at: Instant;
  queueId?: string;
  reply: string;
}

/** Thrown when the hand-over failed, with the stage it failed in and whether DATA had begun. */
export class HandOverError extends Error {
  override readonly name = "HandOverError";
  constructor(
    readonly failure: ProbeError,
    /** beforeData() ran: the caller has an in-flight row to abandon. */
    readonly begun: boolean,
  ) {
    super(failure.message);
  }
}

/**
 * Runs the SMTP transaction, on an idle session of the pool when there is one (a session the server
 * dropped while idle is replaced by a fresh one, once, before anything was sent), else on a new
 * session; resolves on the 250 to DATA, throws a {@link HandOverError} otherwise. Either way the
 * hand-over first takes one of its host's session slots, so at most `connections` messages are
 * being handed to one host at once.
 */
export async function handOver(h: HandOver): Promise<Accepted> {
  const bound = handOverBound(h);
  try {
    return await handOverWithin(h, bound);
  } finally {
    bound.done();
  }
}

async function handOverWithin(h: HandOver, bound: Bound): Promise<Accepted> {
  const { signal } = bound;
  const progress = { begun: false };
  const ctx = phaseContext(h, bound);
  const host = h.service.host;
  const key = `${h.service.name}\n${h.account?.username ?? ""}`;
  let lease: Lease | undefined;
  let release = (): void => undefined;
  try {
    // not through ctx.phase: its own abort answer would hide which limit held the hand-over
    release = (await h.limits?.session(host, false, signal)) ?? release;
    lease = h.pool?.take(key, signal, release);
    if (lease) {
      try {
        return await transact(h, ctx, lease, progress);
      } catch (err) {
        if (!droppedWhileIdle(classifyError(err, ctx.stage()))) throw err;
        lease.session.dialog.close(); // keeps the slot for the fresh session
        lease = undefined;
      }
    }
    lease = await openLease(h, ctx, key, signal, release);
    return await transact(h, ctx, lease, progress);
  } catch (err) {
    if (lease) lease.discard();
    else release();
    const failure = classifyError(err, ctx.stage());
    if (h.limits && asksToBackOff(failure)) h.limits.backOff(host, failure.message);
    throw new HandOverError(failure, progress.begun);
  }
}

/** A new session under the hand-over's slot: login turn if it logs in, connect, TLS, EHLO, AUTH. */
async function openLease(
  h: HandOver,
  ctx: PhaseContext,
  key: string,
  signal: AbortSignal,
  release: () => void,
): Promise<Lease> {
  const host = h.service.host;
  h.pool?.makeRoom(host);
  if (h.account) await h.limits?.login(host, signal);
  const session = await openSmtpSession(h.service, ctx);
  try {
    if (h.account) {
      const { username, password } = h.account;
      const offered = session.ehlo.auth;
      await ctx.phase("auth", () => session.dialog.auth(offered, username, password));
    }
  } catch (err) {
    session.dialog.close();
    throw err;
  }
  return h.pool ? h.pool.add(key, host, session, release) : singleUse(session, release);
}

/**
 * One message on the leased session ({@link transfer}); after the 250 the session goes back to the
 * pool (or QUIT).
 */
async function transact(
  h: HandOver,
  ctx: PhaseContext,
  lease: Lease,
  progress: { begun: boolean },
): Promise<Accepted> {
  const { dialog } = lease.session;
  const begin = () => {
    if (!progress.begun) h.beforeData();
    progress.begun = true;
  };
  const data = await transfer(h, ctx, lease.session, begin);
  const at = { mono: data.acceptedAt, wall: h.clock.now() - (h.clock.monotonic() - data.acceptedAt) };
  const reply = formatReply(data.reply);
  const queueId = queueIdOf(reply);
  if (h.pool) h.pool.give(lease);
  else {
    await politeQuit(dialog);
    lease.discard();
  }
  h.limits?.ok(h.service.host);
  return { at, reply, ...(queueId ? { queueId } : {}) };
}

/**
 * MAIL, RCPT and the message: in one write as `BDAT n LAST` when the server offers PIPELINING and
 * CHUNKING (no 354 to wait for); else MAIL, RCPT and DATA in one write when it offers PIPELINING,
 * then the message after the 354; else one command at a time. `begin` (the in-flight row) runs
 * before the message can be sent, so an arrival can never beat its row.
 */
async function transfer(
  h: HandOver,
  ctx: PhaseContext,
  { dialog, ehlo }: SmtpSession,
  begin: () => void,
): Promise<DataResult> {
  const mail = `MAIL FROM:<${h.from}>`;
  const rcpt = `RCPT TO:<${h.to}>`;
  const pipelining = ehlo.extensions.has("PIPELINING");
  if (pipelining) {
    begin();
    const chunking = ehlo.extensions.has("CHUNKING");
    await ctx.phase("mail", async () => {
      if (chunking) await dialog.pipelineChunk([mail, rcpt], h.message);
      else await dialog.pipeline([mail, rcpt, "DATA"]);
      return dialog.reply(mail);
    });
    await ctx.phase("rcpt", () => dialog.reply(rcpt));
    if (chunking) return ctx.phase("data", () => dialog.accepted("BDAT LAST"));
    await ctx.phase("data", () => dialog.reply("DATA", 354));
  } else {
    await ctx.phase("mail", () => dialog.command(mail));
    await ctx.phase("rcpt", () => dialog.command(rcpt));
    await ctx.phase("data", () => {
      begin();
      return dialog.command("DATA", 354);
    });
  }
  return ctx.phase("data", () => dialog.body(h.message));
}

/**
 * An idle session the server closed (or told 421, its "closing" answer) before it answered MAIL:
 * the server took nothing of this message over, so a fresh session may carry it instead (the
 * in-flight row, if already written, is kept: beforeData runs once). With BDAT the bytes may have
 * reached a server that then dropped the session; should it still have delivered that copy, the
 * second is found as a stale probe and deleted, never counted.
 */
function droppedWhileIdle(failure: ProbeError): boolean {
  if (failure.stage !== "mail") return false;
  if (failure.responseCode !== undefined) return failure.responseCode === 421;
  return failure.code !== "timeout";
}

/** A session used for one message (no pool): QUIT after it, then its slot is free. */
function singleUse(session: SmtpSession, release: () => void): Lease {
  let open = true;
  return {
    session,
    uses: 0,
    discard() {
      if (!open) return;
      open = false;
      session.dialog.close();
      release();
    },
  };
}

/**
 * A 421 anywhere, or another 4xx before DATA (greeting, EHLO, AUTH, MAIL, RCPT), is the server
 * asking senders to slow down or come back later: the host is paused for new hand-overs. A 4xx to
 * DATA or the message itself is about that message, not the host.
 */
function asksToBackOff(failure: ProbeError): boolean {
  const code = failure.responseCode;
  return code === 421 || (code !== undefined && code >= 400 && code < 500 && failure.stage !== "data");
}

/** A CheckContext that also says the stage reached, for failures outside any phase. */
type PhaseContext = CheckContext & { stage(): Stage };

/**
 * The hand-over's bound: `signal` aborts at its timeout or at agent shutdown, whichever comes first,
 * and `aborted` rejects then (a timeout, as every step cut short by it reports). One controller and
 * one timer per hand-over, cleared by done(): `AbortSignal.any` and a listener per phase cost a
 * measurable share of a probe's CPU (docs/benchmarks-delivery.md).
 */
interface Bound {
  signal: AbortSignal;
  aborted: Promise<never>;
  done(): void;
}

function handOverBound(h: HandOver): Bound {
  const controller = new AbortController();
  let fail: (err: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => (fail = reject));
  aborted.catch(() => undefined); // a step that is not waiting for it yet must not make it unhandled
  const abort = (reason: unknown) => {
    controller.abort(reason);
    fail(codedError("timeout", "no answer within the delivery's timeout"));
  };
  const timer = setTimeout(() => abort(new DOMException("hand-over timed out", "TimeoutError")), h.timeoutMs);
  const shutdown = () => abort(h.signal!.reason);
  if (h.signal?.aborted) shutdown();
  else h.signal?.addEventListener("abort", shutdown, { once: true });
  return {
    signal: controller.signal,
    aborted,
    done() {
      clearTimeout(timer);
      h.signal?.removeEventListener("abort", shutdown);
    },
  };
}

/** A CheckContext for openSmtpSession: phases only attribute failures to stages here. */
function phaseContext(h: HandOver, bound: Bound): PhaseContext {
  const { signal, aborted } = bound;
  let stage: Stage = "connect";
  return {
    signal,
    clock: h.clock,
    ehloName: h.ehloName,
    stage: () => stage,
    account() {
      throw codedError("internal", "the hand-over names its account itself");
    },
    async phase(s, step) {
      stage = s;
      signal.throwIfAborted();
      try {
        return await Promise.race([step(), aborted]);
      } catch (err) {
        throw classifyError(err, s);
      }
    },
  };
}

/** QUIT after the message was accepted; its answer changes nothing, so it is waited for at most 1 s. */
async function politeQuit(dialog: { quit(): Promise<unknown> }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
  await Promise.race([dialog.quit().catch(() => undefined), bound]);
  clearTimeout(timer);
}
