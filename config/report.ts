import { z } from "zod";
import { TlsOptions } from "./services.js";

/**
 * The `report` section of the configuration: who gets the monthly compliance report (issue 6),
 * through which SMTP server, on which day and at what time of the operator's zone, and where sent
 * reports are archived. Optional in the file: without it no report is e-mailed, and the CLI still
 * writes reports on demand.
 */

const PORT_RANGE = "expected a port number between 1 and 65535";
const Port = z.number({ error: PORT_RANGE }).int(PORT_RANGE).min(1, PORT_RANGE).max(65535, PORT_RANGE);

/** The SMTP server the report is submitted to; `account` names an entry of `accounts` (no AUTH without). */
export const ReportSmtp = z.strictObject({
  host: z.string().min(1),
  port: Port.default(587),
  tls: TlsOptions.default({ mode: "starttls", verify: true }),
  account: z.string().min(1).optional(),
});
export type ReportSmtp = z.infer<typeof ReportSmtp>;

/** The whole section. */
export const Report = z.strictObject({
  recipients: z.array(z.email({ error: "expected an e-mail address" })).min(1),
  /** The From header, e.g. "mailsla <sla@example.com>". */
  from: z.string().min(3),
  smtp: ReportSmtp,
  /** Day of the month the previous month's report is sent; 29-31 mean the month's last day when shorter. */
  day: z.number().int().min(1).max(31).default(2),
  /** Local time in the operator's zone (operator.timeZone), "HH:MM". */
  time: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time "HH:MM" (24 h), e.g. "08:00"')
    .default("08:00"),
  /** Where sent reports are kept (one folder per month) with the record of what was sent. */
  archiveDir: z.string().min(1).default("./var/reports"),
});
export type Report = z.infer<typeof Report>;
