import type { ServiceOf } from "../../config/services.js";
import type { Clock } from "../../contract/clock.js";
import { classifyError, codedError, type ProbeError, type Stage } from "../../contract/errors.js";
import type { CheckContext, Credentials } from "../kinds/kind.js";
import type { HostLimits } from "../net/host-limits.js";
import { openSmtpSession } from "../kinds/smtp.js";
import { formatReply } from "../net/smtp-dialog.js";
import type { Instant } from "./inflight.js";
import { queueIdOf } from "./result.js";

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

/** Runs the SMTP session; resolves on the 250 to DATA, throws a {@link HandOverError} otherwise. */
export async function handOver(h: HandOver): Promise<Accepted> {
  const timeout = AbortSignal.timeout(h.timeoutMs);
  const signal = h.signal ? AbortSignal.any([h.signal, timeout]) : timeout;
  let begun = false;
  const ctx = phaseContext(h, signal);
  const host = h.service.host;
  let release: (() => void) | undefined;
  try {
    // not through ctx.phase: its own abort answer would hide which limit held the hand-over
    release = await h.limits?.session(host, !!h.account, signal);
    const session = await openSmtpSession(h.service, ctx);
    const { dialog } = session;
    try {
      if (h.account) {
        const { username, password } = h.account;
        await ctx.phase("auth", () => dialog.auth(session.ehlo.auth, username, password));
      }
      await ctx.phase("mail", () => dialog.mailFrom(h.from));
      await ctx.phase("rcpt", () => dialog.rcptTo(h.to));
      const data = await ctx.phase("data", () => {
        h.beforeData();
        begun = true;
        return dialog.data(h.message);
      });
      const at = { mono: data.acceptedAt, wall: h.clock.now() - (h.clock.monotonic() - data.acceptedAt) };
      const reply = formatReply(data.reply);
      const queueId = queueIdOf(reply);
      await politeQuit(dialog);
      h.limits?.ok(host);
      return { at, reply, ...(queueId ? { queueId } : {}) };
    } finally {
      dialog.close();
    }
  } catch (err) {
    const failure = classifyError(err, ctx.stage());
    if (h.limits && asksToBackOff(failure, begun)) h.limits.backOff(host, failure.message);
    throw new HandOverError(failure, begun);
  } finally {
    release?.();
  }
}

/**
 * A 421 anywhere, or another 4xx before DATA (greeting, EHLO, AUTH, MAIL, RCPT), is the server
 * asking senders to slow down or come back later: the host is paused for new hand-overs. A 4xx to
 * the message itself is about that message, not the host.
 */
function asksToBackOff(failure: ProbeError, begun: boolean): boolean {
  const code = failure.responseCode;
  return code === 421 || (code !== undefined && code >= 400 && code < 500 && !begun);
}

/** A CheckContext for openSmtpSession: phases only attribute failures to stages here. */
function phaseContext(h: HandOver, signal: AbortSignal): CheckContext & { stage(): Stage } {
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
        return await abortable(step(), signal);
      } catch (err) {
        throw classifyError(err, s);
      }
    },
  };
}

/** Rejects with a timeout when the signal aborts first, so no step outlives the hand-over's bound. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(codedError("timeout", "no answer within the delivery's timeout"));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** QUIT after the message was accepted; its answer changes nothing, so it is waited for at most 1 s. */
async function politeQuit(dialog: { quit(): Promise<unknown> }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
  await Promise.race([dialog.quit().catch(() => undefined), bound]);
  clearTimeout(timer);
}
