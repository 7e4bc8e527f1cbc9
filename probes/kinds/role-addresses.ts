import type { ServiceOf } from "../../config/services.js";
import { ProbeError } from "../../contract/errors.js";
import type { CheckOutcome } from "../../contract/result.js";
import { formatReply } from "../net/smtp-dialog.js";
import type { CheckContext, CheckKind } from "./kind.js";
import { openSmtpSession, sessionOutcome, shorten } from "./smtp.js";

async function run(service: ServiceOf<"role-addresses">, ctx: CheckContext): Promise<CheckOutcome> {
  const session = await openSmtpSession(service, ctx, "if-offered");
  try {
    const mail = await ctx.phase("mail", () => session.dialog.send(`MAIL FROM:<${service.from}>`));
    if (mail.code >= 400) {
      const code = mail.code >= 500 ? "smtp-5xx" : "smtp-4xx";
      throw new ProbeError(
        code,
        "mail",
        `MAIL FROM:<${service.from}> refused: ${formatReply(mail)}`,
        mail.code,
      );
    }
    const refused: string[] = [];
    let firstCode: number | undefined;
    let accepted = 0;
    for (const domain of service.domains) {
      for (const local of service.localParts) {
        const to = `${local}@${domain}`;
        const reply = await ctx.phase("rcpt", () => session.dialog.send(`RCPT TO:<${to}>`));
        if (reply.code >= 200 && reply.code < 300) accepted += 1;
        else {
          refused.push(`${to}: ${shorten(formatReply(reply))}`);
          firstCode ??= reply.code;
        }
      }
    }
    if (refused.length > 0)
      throw new ProbeError(
        "role-address-refused",
        "rcpt",
        `${refused.length} refused: ${refused.join("; ")}`,
        firstCode,
      );
    return sessionOutcome(session, { accepted });
  } finally {
    await session.dialog.leave();
  }
}

/**
 * The role-address check (RFC 2142; the ISC marketing specification 2.2.6): postmaster@ and abuse@
 * of each hosted domain must be accepted at RCPT by the MX, or complaints and bounce reports of
 * other providers go nowhere. The session ends with RSET and QUIT before DATA, so nothing is sent.
 */
export const roleAddressesCheck: CheckKind<"role-addresses"> = { kind: "role-addresses", run };
