import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceOf } from "../../config/services.js";
import { ProbeError } from "../../contract/errors.js";
import type { CheckOutcome } from "../../contract/result.js";
import { formatReply, type SmtpReply } from "../net/smtp-dialog.js";
import type { CheckContext, CheckKind } from "./kind.js";
import { openSmtpSession, sessionOutcome, shorten } from "./smtp.js";

type SendingLimitService = ServiceOf<"sending-limit">;

/** The reply that ended the burst and where it came. */
interface Throttle {
  stage: "mail" | "rcpt" | "data";
  reply: SmtpReply;
}

/** One small burst message; `n` of `burst` in the subject, one token per run in the Message-ID. */
function burstMessage(from: string, to: string, run: string, n: number, burst: number, date: Date): string {
  const domain = from.split("@")[1] ?? "mailsla.invalid";
  return [
    `From: <${from}>`,
    `To: <${to}>`,
    `Subject: mailsla sending-limit probe ${n}/${burst} (SPEC 7.1.15)`,
    `Date: ${date.toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <limit-${run}-${n}.mailsla@${domain}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "A probe of the per-user sending limit (7.1.15): the burst stops at the first refusal.",
    "",
  ].join("\r\n");
}

/**
 * Sends message `n`: MAIL, RCPT, DATA. Resolves to the throttle when the server refuses at any step
 * (4xx or 5xx), to undefined when the message was accepted.
 */
async function sendOne(
  service: SendingLimitService,
  ctx: CheckContext,
  session: Awaited<ReturnType<typeof openSmtpSession>>,
  from: string,
  message: string,
): Promise<Throttle | undefined> {
  const { dialog } = session;
  const mail = await ctx.phase("mail", () => dialog.send(`MAIL FROM:<${from}>`));
  if (mail.code >= 400) return { stage: "mail", reply: mail };
  const rcpt = await ctx.phase("rcpt", () => dialog.send(`RCPT TO:<${service.recipient}>`));
  if (rcpt.code >= 400) return { stage: "rcpt", reply: rcpt };
  try {
    await ctx.phase("data", () => dialog.data(message));
    return undefined;
  } catch (err) {
    // DATA or the end of DATA refused: SmtpDialog.data keeps the server's code and words
    const { responseCode, response } = err as ProbeError;
    if (responseCode === undefined || responseCode < 400) throw err;
    return { stage: "data", reply: { code: responseCode, lines: [response ?? ""] } };
  }
}

async function run(service: SendingLimitService, ctx: CheckContext): Promise<CheckOutcome> {
  const { username, password } = ctx.account(service.account);
  const session = await openSmtpSession(service, ctx);
  const runToken = randomBytes(6).toString("hex");
  const spacing = service.within !== undefined ? service.within / service.burst : 0;
  const started = ctx.clock.monotonic();
  let accepted = 0;
  let throttle: Throttle | undefined;
  try {
    await ctx.phase("auth", () => session.dialog.auth(session.ehlo.auth, username, password));
    for (let n = 1; n <= service.burst && !throttle; n++) {
      const due = started + (n - 1) * spacing;
      const wait = due - ctx.clock.monotonic();
      if (wait > 0) await sleep(wait, undefined, { signal: ctx.signal });
      const message = burstMessage(
        username,
        service.recipient,
        runToken,
        n,
        service.burst,
        new Date(ctx.clock.now()),
      );
      throttle = await sendOne(service, ctx, session, username, message);
      if (!throttle) accepted += 1;
    }
  } finally {
    await session.dialog.leave();
  }
  const seconds = Math.round((ctx.clock.monotonic() - started) / 100) / 10;
  if (!throttle)
    throw new ProbeError(
      "no-send-limit",
      "data",
      `all ${accepted} of ${service.burst} messages were accepted in ${seconds} s without a throttle`,
    );
  const reply = shorten(formatReply(throttle.reply));
  if (accepted === 0)
    throw new ProbeError(
      throttle.reply.code >= 500 ? "smtp-5xx" : "smtp-4xx",
      throttle.stage,
      `the first message was refused, so no limit was measured: ${reply}`,
      throttle.reply.code,
    );
  return sessionOutcome(session, {
    accepted,
    burst: service.burst,
    seconds,
    throttledAt: throttle.stage,
    throttleReply: reply,
  });
}

/**
 * The per-user sending limit check (SPEC 7.1.15), opt-in: a dedicated probe account sends a burst of
 * at most `burst` messages to the probe's own sink, stopping at the first 4xx/5xx. A throttle after
 * at least one accepted message is the pass, reported with the count accepted and the reply; the
 * whole burst accepted is `no-send-limit`.
 */
export const sendingLimitCheck: CheckKind<"sending-limit"> = { kind: "sending-limit", run };
