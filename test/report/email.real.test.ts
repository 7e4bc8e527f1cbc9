/**
 * The report e-mail through the real mail path: the schedule, wired from configuration as the
 * collector wires it (createReportService), submits it to the test stack's Postfix (submission,
 * STARTTLS verified against the stack's CA, SMTP AUTH as probe1); Dovecot delivers it to alice,
 * and the test fetches it over IMAP and parses it with mailparser: subject,
 * text and HTML parts, the CID chart images the HTML refers to, and the PDF and CSV attachments.
 * A restarted schedule then sends nothing more.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Report } from "../../config/report.js";
import { Secret } from "../../config/secret.js";
import { chartCid } from "../../collector/report/html.js";
import { reportSubject } from "../../collector/report/mail.js";
import type { RenderedReport } from "../../collector/report/render.js";
import { createReportService } from "../../collector/report/service.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { pdfText } from "./helpers.js";
import { fetchInbox } from "./imap.js";
import { seedSource } from "./seed.js";

const DUE = Date.UTC(2026, 11, 2, 0);

const source = seedSource();
let stack: MailStack;
let report: RenderedReport;
let mail: ParsedMail;
let fetched: number;

/** The report service as the collector starts it, from configuration, on the stack's submission port. */
function serviceOn(dir: string) {
  const report = Report.parse({
    recipients: [stack.users.alice.user],
    from: `mailsla <${stack.users.probe1.user}>`,
    smtp: {
      host: stack.host,
      port: stack.ports.submission,
      tls: { mode: "starttls", caFile: stack.caFile, servername: stack.hostname },
      account: "reporter",
    },
    archiveDir: dir,
  });
  const config = {
    accounts: {
      reporter: { username: stack.users.probe1.user, password: new Secret(stack.users.probe1.pass) },
    },
    operator: {
      name: source.operator.name,
      timeZone: "Asia/Shanghai",
      totalUsers: source.input.setup.totalUsers,
    },
  };
  return createReportService(config, report, async () => source, { clock: () => DUE });
}

beforeAll(async () => {
  stack = await startMailStack();
  const dir = mkdtempSync(path.join(tmpdir(), "report-mail-"));
  const first = serviceOn(dir);
  expect(await first.schedule.tick()).toEqual({ month: "2026-11", outcome: "sent" });
  await first.stop();
  const restarted = serviceOn(dir);
  expect(await restarted.schedule.tick()).toEqual({ month: "2026-11", outcome: "already-sent" });
  report = restarted.archive.load("2026-11");
  await restarted.stop();
  const inbox = await fetchInbox(stack);
  fetched = inbox.length;
  mail = inbox[0]!;
});

afterAll(async () => {
  await stack?.stop();
});

describe("the report e-mail through Postfix and Dovecot", () => {
  it("arrives once, with the subject, sender and month header", () => {
    expect(fetched).toBe(1);
    expect(mail.subject).toBe(reportSubject(report));
    expect(mail.subject).toContain("November 2026: 3 indicators failed");
    expect(mail.from?.value[0]?.address).toBe(stack.users.probe1.user);
    expect(mail.headers.get("x-mailsla-report")).toBe("2026-11");
    expect(mail.messageId).toBe("<sla-report-2026-11@probe.test>");
  });

  it("has the HTML part and the text alternative with the engine's numbers", () => {
    expect(mail.html).toBe(report.html);
    expect(mail.text?.replace(/\r\n/g, "\n").trim()).toBe(report.text.trim());
    expect(mail.html).toContain("43.50 min");
    expect(mail.html).not.toMatch(/<script|<style|<link|https?:\/\//i);
  });

  it("carries every chart the HTML refers to as an inline PNG with its Content-ID", () => {
    const cids = [...(mail.html as string).matchAll(/src="cid:([^"]+)"/g)].map((m) => m[1]);
    expect([...cids].sort()).toEqual(["daily", "delays", "trend"].map((id) => chartCid(id as "daily")));
    for (const cid of cids) {
      const a = mail.attachments.find((x) => x.cid === cid);
      expect(a, cid).toBeDefined();
      expect(a!.contentType).toBe("image/png");
      expect(a!.related).toBe(true);
      expect(a!.content.subarray(1, 4).toString()).toBe("PNG");
      const chart = report.charts.find((c) => chartCid(c.id) === cid)!;
      expect(a!.content.equals(chart.png)).toBe(true);
    }
  });

  it("attaches the PDF and the CSV, byte for byte as archived", () => {
    const pdf = mail.attachments.find((a) => a.contentType === "application/pdf");
    expect(pdf?.filename).toBe("sla-report-2026-11.pdf");
    expect(pdf!.content.equals(report.pdf)).toBe(true);
    expect(pdfText(pdf!.content)).toMatch(
      /7\.1\.2\s+Monthly user-weighted fault duration\s+<= 400 min\s+43\.50 min\s+pass/,
    );
    const csv = mail.attachments.find((a) => a.filename === "sla-report-2026-11.csv");
    expect(csv?.contentType).toBe("text/csv");
    expect(csv!.content.toString("utf8")).toBe(report.csv);
  });
});
