import type { ServiceOf } from "../../config/services.js";
import { formatReply } from "../net/smtp-dialog.js";
import type { CheckOutcome } from "../../contract/result.js";
import type { CheckContext, CheckKind } from "./kind.js";
import { attemptUnauthenticated, openSmtpSession, sessionOutcome, shorten } from "./smtp.js";

async function run(service: ServiceOf<"relay">, ctx: CheckContext): Promise<CheckOutcome> {
  const session = await openSmtpSession(service, ctx, "if-offered");
  try {
    const refusal = await attemptUnauthenticated(
      session.dialog,
      ctx,
      service.from,
      service.foreignRecipient,
      "open-relay",
    );
    return sessionOutcome(session, {
      refusedAt: refusal.stage,
      refusal: shorten(formatReply(refusal.reply)),
    });
  } finally {
    await session.dialog.leave();
  }
}

/**
 * The open-relay check (SPEC 7.1.14): as a stranger, without AUTH, ask the MX to take mail from a
 * foreign sender to a foreign recipient. A refusal at MAIL or RCPT is the pass; an accepted RCPT
 * fails with `open-relay`. The session ends with RSET and QUIT before DATA, so nothing is relayed.
 */
export const relayCheck: CheckKind<"relay"> = { kind: "relay", run };
