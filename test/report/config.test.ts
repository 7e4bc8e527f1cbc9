/**
 * The `report` configuration section: defaults, refusals with the offending key, and the SMTP
 * account resolved from `accounts` without its password ever printing.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Report } from "../../config/report.js";
import { Secret } from "../../config/secret.js";
import { smtpSettings } from "../../collector/report/mail.js";

const minimal = {
  recipients: ["cto@example.com"],
  from: "mailsla <sla@example.com>",
  smtp: { host: "smtp.example.com" },
};

describe("report configuration", () => {
  it("fills in the defaults: day 2 at 08:00, submission on 587 with verified STARTTLS, ./var/reports", () => {
    expect(Report.parse(minimal)).toEqual({
      ...minimal,
      smtp: { host: "smtp.example.com", port: 587, tls: { mode: "starttls", verify: true } },
      day: 2,
      time: "08:00",
      archiveDir: "./var/reports",
    });
  });

  it("refuses bad values with the key that is wrong", () => {
    const problems = (raw: unknown) =>
      Report.safeParse(raw).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(problems({ ...minimal, recipients: ["not an address"] })).toEqual([
      "recipients.0: expected an e-mail address",
    ]);
    expect(problems({ ...minimal, recipients: [] })[0]).toMatch(/^recipients:/);
    expect(problems({ ...minimal, time: "8am" })).toEqual([
      'time: expected a time "HH:MM" (24 h), e.g. "08:00"',
    ]);
    expect(problems({ ...minimal, day: 32 })[0]).toMatch(/^day:/);
    expect(problems({ ...minimal, smtp: { host: "h", port: 70000 } })[0]).toMatch(
      /^smtp.port: expected a port/,
    );
    expect(problems({ ...minimal, smtp: { host: "h", tls: { mode: "ssl" } } })[0]).toMatch(/^smtp.tls.mode/);
    expect(problems({ ...minimal, schedule: "monthly" })[0]).toMatch(/Unrecognized key/);
  });

  it("resolves the SMTP account from accounts, and names an unknown one", () => {
    const report = Report.parse({ ...minimal, smtp: { host: "h", account: "reporter" } });
    const accounts = { reporter: { username: "sla@example.com", password: new Secret("s3cret") } };
    const s = smtpSettings({ accounts }, report);
    expect(s.auth).toEqual({ user: "sla@example.com", pass: "s3cret" });
    expect(smtpSettings({ accounts }, Report.parse(minimal)).auth).toBeUndefined();
    expect(() => smtpSettings({ accounts: {} }, report)).toThrow(
      'report.smtp.account: unknown account "reporter"; define it under accounts',
    );
    expect(inspect(accounts)).not.toContain("s3cret");
  });
});
