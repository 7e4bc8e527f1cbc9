import { readFileSync } from "node:fs";
import nodemailer from "nodemailer";
import type { Transporter } from "nodemailer";
import type Mail from "nodemailer/lib/mailer";
import type { Report } from "../../config/report.js";
import type { Config } from "../../config/schema.js";
import { chartCid } from "./html.js";
import type { RenderedReport } from "./render.js";

/**
 * The report as an e-mail (issue 6): HTML with its charts as CID images, a text alternative, the
 * PDF and the CSV attached, sent through nodemailer to the configured recipients. Whether a failed
 * send may be retried is decided here, because only the SMTP dialogue knows whether the message
 * could have been accepted.
 */

/** What the message needs besides the report. */
export interface Envelope {
  readonly from: string;
  readonly to: readonly string[];
}

/** The subject line: operator, month and the verdict counts, readable in an inbox list. */
export function reportSubject(r: RenderedReport): string {
  const s = r.model.summary;
  const verdict =
    s.fail > 0 ? `${s.fail} indicator${s.fail > 1 ? "s" : ""} failed` : "all measured indicators pass";
  return `${r.model.title}: ${verdict}`;
}

/** The message, ready for nodemailer; its Message-ID names the month, so a copy is recognisable. */
export function reportMessage(r: RenderedReport, envelope: Envelope): Mail.Options {
  const domain = /@([^>\s]+)>?\s*$/.exec(envelope.from)?.[1] ?? "mailsla.invalid";
  return {
    from: envelope.from,
    to: [...envelope.to],
    subject: reportSubject(r),
    messageId: `<sla-report-${r.model.month}@${domain}>`,
    headers: { "X-Mailsla-Report": r.model.month },
    text: r.text,
    html: r.html,
    attachments: [
      ...r.charts.map((c) => ({
        filename: `${c.id}.png`,
        content: c.png,
        contentType: "image/png",
        cid: chartCid(c.id),
        contentDisposition: "inline" as const,
      })),
      { filename: `sla-report-${r.model.month}.pdf`, content: r.pdf, contentType: "application/pdf" },
      { filename: `sla-report-${r.model.month}.csv`, content: r.csv, contentType: "text/csv; charset=utf-8" },
    ],
  };
}

/** SMTP settings with the account resolved. */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly tls: Report["smtp"]["tls"];
  readonly auth?: { readonly user: string; readonly pass: string };
}

/** The `report.smtp` settings with `account` looked up in `accounts`; throws naming the key path. */
export function smtpSettings(config: Pick<Config, "accounts">, report: Report): SmtpSettings {
  const { host, port, tls, account } = report.smtp;
  if (account === undefined) return { host, port, tls };
  const a = config.accounts[account];
  if (!a) throw new Error(`report.smtp.account: unknown account "${account}"; define it under accounts`);
  return { host, port, tls, auth: { user: a.username, pass: a.password.reveal() } };
}

/**
 * Collects the commands nodemailer sends (its transaction log), so a failure can be placed before
 * or after the DATA command: only then is it known whether the server may hold the message.
 */
function commandLog(onCommand: (line: string) => void) {
  const noop = () => undefined;
  const debug = (meta: { tnx?: string } | undefined, msg: unknown) => {
    if (meta?.tnx === "client") onCommand(String(msg));
  };
  return { level: noop, trace: noop, debug, info: noop, warn: noop, error: noop, fatal: noop };
}

/** A nodemailer transport for the settings (TLS verified unless the configuration says otherwise). */
export function reportTransport(s: SmtpSettings, onCommand: (line: string) => void = () => {}): Transporter {
  return nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.tls.mode === "implicit",
    requireTLS: s.tls.mode === "starttls",
    ignoreTLS: s.tls.mode === "none",
    ...(s.auth ? { auth: { user: s.auth.user, pass: s.auth.pass } } : {}),
    tls: {
      rejectUnauthorized: s.tls.verify,
      ...(s.tls.caFile ? { ca: readFileSync(s.tls.caFile) } : {}),
      ...(s.tls.servername ? { servername: s.tls.servername } : {}),
    },
    transactionLog: true,
    logger: commandLog(onCommand),
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 120_000,
  });
}

/** What the server said. */
export interface SendReceipt {
  readonly messageId: string;
  readonly accepted: string[];
  readonly rejected: string[];
  readonly response: string;
}

/**
 * A failed send, judged: `certainlyNotSent` when the server cannot hold the message (the failure
 * came before DATA, or the server answered the message with an error code). A connection lost or
 * timed out after DATA is not certain: the server may have taken it, and a report must never
 * arrive twice.
 */
export class ReportSendError extends Error {
  override readonly name = "ReportSendError";
  constructor(
    message: string,
    readonly certainlyNotSent: boolean,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** Sends one message through a fresh connection; the server's answer, or a {@link ReportSendError}. */
export async function sendMessage(settings: SmtpSettings, message: Mail.Options): Promise<SendReceipt> {
  let dataSent = false;
  const transport = reportTransport(settings, (line) => {
    if (/^DATA\b/i.test(line.trim())) dataSent = true;
  });
  try {
    const info = (await transport.sendMail(message)) as {
      messageId?: string;
      accepted?: (string | Mail.Address)[];
      rejected?: (string | Mail.Address)[];
      response?: string;
    };
    const addr = (a: string | Mail.Address): string => (typeof a === "string" ? a : (a.address ?? ""));
    return {
      messageId: info.messageId ?? String(message.messageId ?? ""),
      accepted: (info.accepted ?? []).map(addr),
      rejected: (info.rejected ?? []).map(addr),
      response: info.response ?? "",
    };
  } catch (err) {
    const e = err as { message?: string; responseCode?: number };
    const answered = typeof e.responseCode === "number" && e.responseCode >= 400;
    throw new ReportSendError(String(e.message ?? err), !dataSent || answered, { cause: err });
  } finally {
    transport.close();
  }
}

/** Whether a failed send may be retried without risking a second copy; unknown failures may not. */
export function certainlyNotSent(err: unknown): boolean {
  return err instanceof ReportSendError && err.certainlyNotSent;
}
