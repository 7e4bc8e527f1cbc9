import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  keepError,
  loopDelay,
  ms,
  watchMaildir,
  type PhaseContext,
  type ToolRun,
  type Witness,
} from "./delivery-common.js";

/**
 * check_email_delivery's side of the delivery bench, run the way its documentation suggests for
 * a mail server with submission and IMAP: `--plugin` mode, check_smtp_send (STARTTLS, AUTH as
 * probe1) then, after `--wait`, check_imap_receive (IMAPS) searching for the message every
 * `--imap-check-interval` seconds and deleting it. One check per probe, one after another.
 */

/** Where Debian's monitoring-plugins-contrib puts the plugins: the packaged ones are measured, as deployed. */
export const PLUGINS = "/usr/lib/nagios/plugins";
/** Whole seconds (Perl's sleep): 1 is the shortest wait; 0 or nothing means the 5 s default. */
const WAIT_S = 1;
const CHECK_INTERVAL_S = 1;
const RUN_TIMEOUT_MS = 30_000;

/**
 * Runs the check and reports the CPU of everything it started: a Perl wrapper waits for it and
 * prints getrusage(RUSAGE_CHILDREN), which covers the check and the plugins it ran and waited for
 * (microseconds, unlike /proc's clock ticks, which a process that lives ~2 s would need).
 */
const RUSAGE_WRAPPER = [
  'require "syscall.ph";',
  "system { $ARGV[0] } @ARGV; my $status = $?;",
  'my $ru = "\\0" x 144; syscall(&SYS_getrusage, -1, $ru) == 0 or die "getrusage: $!";',
  'printf STDERR "RUSAGE %d.%06d %d.%06d\\n", unpack("q4", $ru);',
  "exit($status >> 8);",
].join(" ");

/** One check's readings: performance.now() of its OK line and its CPU seconds. */
interface Check {
  reported: number | undefined;
  cpuSeconds: number;
  output: string;
}

/**
 * check_email_delivery's phase: a warm-up check and `p.probes` timed ones against probe1's mailbox,
 * one at a time, as Nagios would run them.
 */
export async function runCheckEmailDelivery(p: PhaseContext): Promise<ToolRun> {
  const witness = await watchMaildir(
    p.stack.maildir("probe1"),
    (t) => /^Subject: mailsla-bench ([0-9a-f]+)/m.exec(t)?.[1],
  );
  try {
    await checkOnce(p, witness); // warm-up: Perl modules into the page cache
    const delay = loopDelay();
    const lags: number[] = [];
    const errors: string[] = [];
    let cpuSeconds = 0;
    for (let i = 0; i < p.probes; i++) {
      const one = await checkOnce(p, witness);
      cpuSeconds += one.cpuSeconds;
      if (one.lag !== undefined) lags.push(one.lag);
      if (one.error !== undefined) keepError(errors, one.error);
    }
    const loop = delay.stop();
    p.log(`check_email_delivery: ${lags.length}/${p.probes} checks OK and witnessed`);
    return {
      tool: "check_email_delivery",
      probes: p.probes,
      lagsMs: lags,
      cpuSeconds,
      cpuProbes: p.probes,
      errors,
      cpuSource: "getrusage(RUSAGE_CHILDREN) per check",
      method:
        `--plugin mode, --wait ${WAIT_S}, --imap-check-interval ${CHECK_INTERVAL_S}, --delete; noticed = ` +
        `its "EMAIL DELIVERY OK" line on stdout (it reports when the check ends: after the SEARCH ` +
        `found the message, the delete and the logout). Its own "delay" value is not a latency.`,
      cpuMethod:
        `getrusage(RUSAGE_CHILDREN) of a Perl wrapper: check_email_delivery, both plugins and their ` +
        `shells, per check (the send included).`,
      bound:
        `the OK line is stamped on the main thread: event-loop delay p99 ${ms(loop.p99Ms)}, max ` +
        `${ms(loop.maxMs)}, plus the pipe; the tool ` +
        `itself resolves whole seconds (first look ${WAIT_S} s after the send, then every ${CHECK_INTERVAL_S} s).`,
    };
  } finally {
    await witness.close();
  }
}

/**
 * One check of a fresh token: its lag when it said OK and the witness saw the message, else the
 * check's own output as the error (its UNKNOWN or CRITICAL line says why).
 */
async function checkOnce(
  p: PhaseContext,
  witness: Witness,
): Promise<{ lag?: number; cpuSeconds: number; error?: string }> {
  const token = randomBytes(8).toString("hex");
  const check = await runCheck(p, token);
  const appeared = await witness.seen(token, 5000).catch(() => undefined);
  if (check.reported === undefined || appeared === undefined) {
    const why = check.reported === undefined ? check.output.trim() : "the witness never saw its message";
    p.log(`check_email_delivery: no lag for ${token}: ${why}`);
    return { cpuSeconds: check.cpuSeconds, error: why };
  }
  return { lag: check.reported - appeared, cpuSeconds: check.cpuSeconds };
}

/** The command line: both plugins as `-p` strings, the token in the Subject and in the SEARCH. */
function checkArgs(p: PhaseContext, token: string): string[] {
  const { stack } = p;
  const u = stack.users.probe1;
  const send =
    `${PLUGINS}/check_smtp_send -H ${stack.host} -p ${stack.ports.submission} --tls -U ${u.user} ` +
    `-P ${u.pass} --mailto ${u.user} --mailfrom ${u.user} --header 'Subject: mailsla-bench ${token}' ` +
    `--body 'check_email_delivery probe of the mailsla delivery bench'`;
  const receive =
    `${PLUGINS}/check_imap_receive -H ${stack.host} -p ${stack.ports.imaps} --ssl -U ${u.user} ` +
    `-P ${u.pass} -s SUBJECT -s 'mailsla-bench ${token}' --imap-check-interval ${CHECK_INTERVAL_S} ` +
    `--imap-retries 10 --delete`;
  return [`${PLUGINS}/check_email_delivery`, "--wait", String(WAIT_S), "-p", send, "-p", receive];
}

/** Spawns one check (killed after RUN_TIMEOUT_MS) and stamps its OK line as it arrives. */
function runCheck(p: PhaseContext, token: string): Promise<Check> {
  const child = spawn("perl", ["-e", RUSAGE_WRAPPER, ...checkArgs(p, token)], {
    env: { ...process.env, SSL_CERT_FILE: p.stack.caFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let reported: number | undefined;
  let output = "";
  let errors = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (reported === undefined && output.includes("EMAIL DELIVERY OK")) reported = performance.now();
  });
  child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(killer);
      const ru = /RUSAGE (\d+\.\d+) (\d+\.\d+)/.exec(errors);
      if (!ru) reject(new Error(`no CPU reading from the check's wrapper: ${errors.trim()}`));
      else
        resolve({
          reported,
          cpuSeconds: Number(ru[1]) + Number(ru[2]),
          output: output + errors.replace(/^RUSAGE .*$/m, ""),
        });
    });
  });
}
