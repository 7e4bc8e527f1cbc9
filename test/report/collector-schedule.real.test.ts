/**
 * The monthly report sent by the collector itself (issue 6): a configuration with a `report`
 * section, a ledger seeded through the ingest and admin APIs, and `startCollector` on an injected
 * clock. Started the day before the due time, it logs the next send and sends nothing; restarted at
 * the due time, it sends March's report through the real Postfix (submission, STARTTLS verified
 * against the stack's CA, SMTP AUTH) to Dovecot, where the test fetches it over IMAP and finds the
 * collector's own figures; restarted again, it logs April's send as the next and sends no copy.
 */
import { readFileSync } from "node:fs";
import type { ParsedMail } from "mailparser";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatValue } from "../../collector/report/format.js";
import type { TickResult } from "../../collector/report/schedule.js";
import { startCollector, type RunningCollector } from "../../collector/server.js";
import { parseConfigText } from "../../config/load.js";
import { ADMIN, tempDir } from "../collector/fixtures.js";
import { Clock, local, type Json } from "../collector/sla-scenario.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { parseCsv } from "./helpers.js";
import { fetchInbox } from "./imap.js";
import { SEED, SEED_ENV, seedLedger, type SeededLedger } from "./ledger-seed.js";

let stack: MailStack;
let ledger: SeededLedger;
const clock = new Clock(local("2025-04-01T12:00"));
/** The collector's log lines, by start. */
const logs: Json[][] = [];
let firstStart: { archived: boolean };
let sent: { tick: string | undefined; api: Json; attempts: number | undefined };
let restart: { tick: TickResult; attempts: number | undefined };
let inbox: ParsedMail[];

/** Starts the collector on the seeded configuration and the test clock, its log kept in `logs`. */
async function start(): Promise<RunningCollector> {
  const lines: Json[] = [];
  logs.push(lines);
  const log = pino({ level: "info" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const config = parseConfigText(readFileSync(ledger.configFile, "utf8"), ledger.configFile);
  return startCollector(config, { now: clock.now, log });
}

/** Waits until `probe` returns something, for at most `ms`. */
async function until<T>(probe: () => T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One tick of the collector's schedule, after the one its start began (if under way) ended. */
async function settledTick(c: RunningCollector): Promise<TickResult> {
  for (;;) {
    const tick = await c.report!.schedule.tick();
    if (tick.outcome !== "busy") return tick;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The collector's next-send log line of one start. */
const nextSend = (i: number) => logs[i]!.find((l) => /^monthly report of /.test(l.msg));

beforeAll(async () => {
  stack = await startMailStack();
  Object.assign(process.env, SEED_ENV, { MAILSLA_TEST_REPORTER_PASSWORD: stack.users.probe1.pass });
  ledger = await seedLedger(
    `report:
  recipients: [${stack.users.alice.user}]
  from: "mailsla <${stack.users.probe1.user}>"
  smtp: { host: ${stack.host}, port: ${stack.ports.submission}, account: reporter, tls: { mode: starttls, caFile: "${stack.caFile}", servername: ${stack.hostname} } }
  archiveDir: "${tempDir("mailsla-reports-")}"
`,
    `  reporter: { username: ${stack.users.probe1.user}, password: { env: MAILSLA_TEST_REPORTER_PASSWORD } }\n`,
  );

  let c = await start(); // the day before: nothing due
  expect(await settledTick(c)).toEqual({ month: null, outcome: "not-due" });
  firstStart = { archived: c.report!.archive.get(SEED.month) !== undefined };
  await c.close();

  clock.set("2025-04-02T08:01");
  c = await start(); // due: the start's own tick builds and sends March
  const state = await until(() => {
    const s = c.report!.archive.get(SEED.month)?.state;
    return s === "sent" || s === "uncertain" ? s : undefined;
  });
  const api = (
    await c.app.inject({
      url: `/api/v1/sla?month=${SEED.month}`,
      headers: { authorization: `Bearer ${ADMIN}` },
    })
  ).json();
  sent = { tick: state, api, attempts: c.report!.archive.get(SEED.month)?.attempts };
  await c.close();

  clock.set("2025-04-02T10:00");
  c = await start(); // restarted after the send
  restart = { tick: await settledTick(c), attempts: c.report!.archive.get(SEED.month)?.attempts };
  await new Promise((r) => setTimeout(r, 3000)); // time for a second copy to arrive, if one was sent
  await c.close();
  inbox = await fetchInbox(stack);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

describe("the collector's monthly report schedule", () => {
  it("logs the next send at start and sends nothing before it is due", () => {
    expect(nextSend(0)).toMatchObject({
      month: "2025-03",
      msg: "monthly report of 2025-03: next send 2025-04-02 08:00",
    });
    expect(nextSend(0).at).toBe(new Date(local("2025-04-02T08:00")).toISOString());
    expect(firstStart.archived).toBe(false);
  });

  it("sends the previous month once when due, and logs it", () => {
    expect(nextSend(1)).toMatchObject({ msg: "monthly report of 2025-03: next send 2025-04-02 08:01" });
    expect(sent).toMatchObject({ tick: "sent", attempts: 1 });
    expect(logs[1]!.map((l) => l.msg)).toContain("report 2025-03: sent");
  });

  it("after a restart logs April's report as the next and sends no second copy", () => {
    expect(nextSend(2)).toMatchObject({
      month: "2025-04",
      msg: "monthly report of 2025-04: next send 2025-05-02 08:00",
    });
    expect(restart).toEqual({ tick: { month: SEED.month, outcome: "already-sent" }, attempts: 1 });
    expect(inbox).toHaveLength(1);
  });

  it("delivers, through Postfix and Dovecot, March's report with the collector's own figures", () => {
    const mail = inbox[0]!;
    expect(mail.headers.get("x-mailsla-report")).toBe(SEED.month);
    expect(mail.messageId).toBe("<sla-report-2025-03@probe.test>");
    expect(mail.subject).toMatch(/^Test Mail: e-mail service compliance report, March 2025: /);
    const csv = mail.attachments.find((a) => a.filename === "sla-report-2025-03.csv")!;
    const rows = parseCsv(csv.content.toString("utf8"));
    for (const [key, clause] of [
      ["faultMinutes", "7.1.2"],
      ["maintenanceMinutes", "7.1.3"],
      ["sendDelayAverage", "7.1.8"],
    ] as const) {
      const f = sent.api.figures[key];
      expect(rows.find((r) => r[1] === clause)?.[4], key).toBe(formatValue(f.value, f.unit).text);
    }
    expect(sent.api.figures.faultMinutes.value).toBeCloseTo(SEED.faultMinutes, 9);
    expect(mail.attachments.find((a) => a.contentType === "application/pdf")?.filename).toBe(
      "sla-report-2025-03.pdf",
    );
  });
});
