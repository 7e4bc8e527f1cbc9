import type { ServiceOf } from "../../config/services.js";
import { ProbeError, type ErrorCode } from "../../contract/errors.js";
import { formatReply, SmtpDialog, type EhloInfo, type SmtpReply } from "../net/smtp-dialog.js";
import { tlsClientOptions } from "../net/tls.js";
import type { CheckOutcome } from "../../contract/result.js";
import type { CheckContext, CheckKind } from "./kind.js";

/** The services spoken to over SMTP: they share connection set-up and the unauthenticated attempt. */
export type SmtpFamilyService =
  | ServiceOf<"smtp">
  | ServiceOf<"submission">
  | ServiceOf<"relay">
  | ServiceOf<"role-addresses">
  | ServiceOf<"sending-limit">;

/** An SMTP session ready for commands: TLS as configured, EHLO answered (after TLS when TLS was started). */
export interface SmtpSession {
  dialog: SmtpDialog;
  banner: SmtpReply;
  ehlo: EhloInfo;
}

/**
 * What to do when the service says `starttls` but the server does not offer it: the MX and
 * submission checks fail (`tls-unavailable`), the relay check goes on in plain text because an
 * attacker looking for a relay would too (the MX check reports the missing STARTTLS).
 */
export type StarttlsPolicy = "require" | "if-offered";

/**
 * Connects, reads the banner and says EHLO, with implicit TLS or STARTTLS as the service is
 * configured, each step under its own stage. Exists so the three SMTP checks set up sessions and
 * attribute failures identically. The dialog is closed if set-up fails.
 */
export async function openSmtpSession(
  service: SmtpFamilyService,
  ctx: CheckContext,
  policy: StarttlsPolicy = "require",
): Promise<SmtpSession> {
  const { host, port, tls } = service;
  const name = service.ehloName ?? ctx.ehloName;
  const dialog = await ctx.phase("connect", () =>
    SmtpDialog.connect({ host, port, signal: ctx.signal, clock: ctx.clock }),
  );
  try {
    if (tls.mode === "implicit") await ctx.phase("tls", () => dialog.secure(tlsClientOptions(tls, host)));
    const banner = await ctx.phase("banner", () => dialog.banner());
    let ehlo = await ctx.phase("ehlo", () => dialog.ehlo(name));
    if (tls.mode === "starttls" && (ehlo.starttls || policy === "require")) {
      if (!ehlo.starttls) {
        throw new ProbeError("tls-unavailable", "starttls", `${host}:${port} does not offer STARTTLS`);
      }
      await ctx.phase("starttls", () => dialog.starttls(tlsClientOptions(tls, host)));
      ehlo = await ctx.phase("ehlo", () => dialog.ehlo(name));
    }
    return { dialog, banner, ehlo };
  } catch (err) {
    dialog.close();
    throw err;
  }
}

/** Where and how the server refused an unauthenticated attempt: the evidence behind a pass. */
export interface Refusal {
  stage: "mail" | "rcpt";
  reply: SmtpReply;
}

/**
 * MAIL FROM + RCPT TO without authentication, for the relay (7.1.14) and AUTH-required (7.1.13)
 * verdicts: a 4xx/5xx at MAIL or RCPT is the pass and is returned; an accepted RCPT throws
 * `failCode` at stage `rcpt`. It never sends DATA, so even a wide-open server delivers nothing.
 */
export async function attemptUnauthenticated(
  dialog: SmtpDialog,
  ctx: CheckContext,
  from: string,
  to: string,
  failCode: ErrorCode,
): Promise<Refusal> {
  for (const [stage, line] of [
    ["mail", `MAIL FROM:<${from}>`],
    ["rcpt", `RCPT TO:<${to}>`],
  ] as const) {
    const reply = await ctx.phase(stage, () => dialog.send(line));
    if (reply.code >= 400) return { stage, reply };
    if (reply.code >= 300) throw new ProbeError("protocol", stage, `unexpected reply ${formatReply(reply)}`);
  }
  const text = `RCPT TO:<${to}> from <${from}> was accepted without authentication`;
  throw new ProbeError(failCode, "rcpt", text);
}

/** A server's text cut to fit a result's details (banners can carry long advertising). */
export function shorten(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The facts every SMTP-family check reports: banner, certificate, whether the session was encrypted. */
export function sessionOutcome(s: SmtpSession, details: NonNullable<CheckOutcome["details"]>): CheckOutcome {
  const tls = s.dialog.certificate;
  return {
    ...(tls ? { tls } : {}),
    details: { banner: shorten(s.banner.lines[0] ?? ""), secure: s.dialog.isSecure, ...details },
  };
}

async function run(service: ServiceOf<"smtp">, ctx: CheckContext): Promise<CheckOutcome> {
  const session = await openSmtpSession(service, ctx);
  try {
    await ctx.phase("quit", () => session.dialog.quit());
  } finally {
    session.dialog.close();
  }
  const { extensions, size } = session.ehlo;
  return sessionOutcome(session, {
    extensions: shorten([...extensions.keys()].join(" ")),
    ...(size !== undefined ? { size } : {}),
  });
}

/**
 * The MX check: an MX that greets, answers EHLO, offers STARTTLS with a certificate the sender can
 * trust and says goodbye can receive mail from the world; each failure names the step it broke at.
 */
export const smtpCheck: CheckKind<"smtp"> = { kind: "smtp", run };
