import type { ServiceOf } from "../../config/services.js";
import { formatReply } from "../net/smtp-dialog.js";
import type { CheckOutcome } from "../../contract/result.js";
import type { CheckContext, CheckKind } from "./kind.js";
import { attemptUnauthenticated, openSmtpSession, sessionOutcome, shorten, type Refusal } from "./smtp.js";

type SubmissionService = ServiceOf<"submission">;

/**
 * A user can submit: AUTH with the probe account, then MAIL FROM the account and RCPT TO a foreign
 * address are accepted. It stops there (RSET, QUIT): the delivery probes send real messages.
 */
async function authenticatedSession(service: SubmissionService, ctx: CheckContext) {
  const { username, password } = ctx.account(service.account);
  const session = await openSmtpSession(service, ctx);
  try {
    const mechanism = await ctx.phase("auth", () =>
      session.dialog.auth(session.ehlo.auth, username, password),
    );
    await ctx.phase("mail", () => session.dialog.mailFrom(username));
    await ctx.phase("rcpt", () => session.dialog.rcptTo(service.foreignRecipient));
    return { session, mechanism };
  } finally {
    await session.dialog.leave();
  }
}

/**
 * AUTH is required (7.1.13): a second session, encrypted like a user's but without AUTH, tries the
 * account's address as sender to the foreign recipient. A refusal is the pass; an accepted RCPT
 * fails with `auth-not-required`.
 */
async function unauthenticatedAttempt(service: SubmissionService, ctx: CheckContext): Promise<Refusal> {
  const { username } = ctx.account(service.account);
  const session = await openSmtpSession(service, ctx);
  try {
    return await attemptUnauthenticated(
      session.dialog,
      ctx,
      username,
      service.foreignRecipient,
      "auth-not-required",
    );
  } finally {
    await session.dialog.leave();
  }
}

async function run(service: SubmissionService, ctx: CheckContext): Promise<CheckOutcome> {
  const { session, mechanism } = await authenticatedSession(service, ctx);
  const refusal = await unauthenticatedAttempt(service, ctx);
  return sessionOutcome(session, {
    authMechanism: mechanism,
    unauthenticatedRefusedAt: refusal.stage,
    unauthenticatedReply: shorten(formatReply(refusal.reply)),
  });
}

/**
 * The submission check: the probe account can log in and submit to a foreign domain, and nobody
 * can without logging in (SPEC 7.1.13). Nothing is ever sent: both sessions stop before DATA.
 */
export const submissionCheck: CheckKind<"submission"> = { kind: "submission", run };
