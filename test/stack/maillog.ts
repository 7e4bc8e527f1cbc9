/**
 * The MTA's own account of a delivery, read from Postfix's log: when it handed a probe message to
 * the mailbox server (the LMTP `status=sent` line). Exists as a witness that does not depend on the
 * mailbox server's storage (Cyrus has no Maildir to watch): a measured receive delay must lie within
 * its reported bound of this time.
 */

/** One delivery as Postfix logged it. */
export interface LoggedDelivery {
  queueId: string;
  /** Wall time of the `status=sent` line, Unix ms, as logged: to the second, truncated. */
  at: number;
  /** The resolution of `at`, ms: the delivery happened in `[at, at + resolutionMs)`. */
  resolutionMs: number;
  /** The whole log line, for failure messages. */
  line: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * The time at the start of a Postfix log line ("Dec 02 06:52:01 host ..."; a fraction of a second
 * is read too, should a build log one), local time.
 */
export function logLineTime(line: string, now = new Date()): number | undefined {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d)(\.\d+)? /.exec(line);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return undefined;
  const ms = m[6] ? Math.round(Number(m[6]) * 1000) : 0;
  const at = new Date(now.getFullYear(), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), ms);
  return at.getTime();
}

/**
 * The LMTP delivery of the probe message with this token (its Message-ID holds the token), or
 * undefined while Postfix has not logged it yet.
 */
export function lmtpDelivery(maillog: string, token: string): LoggedDelivery | undefined {
  const lines = maillog.split("\n");
  const idLine = lines.find((l) => l.includes(`message-id=<${token}.`));
  const queueId = idLine && /: ([0-9A-F]{6,}): message-id=/.exec(idLine)?.[1];
  if (!queueId) return undefined;
  const sent = lines.find(
    (l) => l.includes(`: ${queueId}: to=<`) && /\/lmtp\[/.test(l) && /status=sent/.test(l),
  );
  const at = sent === undefined ? undefined : logLineTime(sent);
  if (sent === undefined || at === undefined) return undefined;
  const fraction = /^\w{3} +\d+ \d\d:\d\d:\d\d(\.\d+)? /.exec(sent)?.[1];
  return { queueId, at, resolutionMs: fraction ? 10 ** (3 - (fraction.length - 1)) : 1000, line: sent };
}
