/**
 * The monthly schedule against SMTP peers on loopback, with the clock injected: due on the
 * configured day and time in the operator's zone, archived, and never sent twice for one month,
 * across restarts (a new archive on the same directory is a restarted process), refusals and a
 * connection lost after the message was transferred.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ReportArchive } from "../../collector/report/archive.js";
import { sendMessage } from "../../collector/report/mail.js";
import type { RenderedReport } from "../../collector/report/render.js";
import {
  dueAt,
  dueMonth,
  ReportSchedule,
  RETRY_AFTER_MS,
  STALE_SENDING_MS,
  type ScheduleSettings,
} from "../../collector/report/schedule.js";
import { seededReport } from "./helpers.js";
import { startDropper, startRecorder, type Dropper, type Recorder } from "./smtp-peers.js";

const MIN = 60_000;
const SETTINGS: ScheduleSettings = {
  day: 2,
  time: "08:00",
  timeZone: "Asia/Shanghai",
  recipients: ["manager@example.test"],
  from: "mailsla <sla@example.test>",
};
/** 2026-12-02 08:00 Shanghai: November's report is due. */
const DUE = Date.UTC(2026, 11, 2, 0);

let report: RenderedReport;
let recorder: Recorder;
let dropper: Dropper;
const archives: ReportArchive[] = [];

beforeAll(async () => {
  ({ out: report } = await seededReport());
  [recorder, dropper] = await Promise.all([startRecorder(), startDropper()]);
});

afterAll(async () => {
  await Promise.all([recorder?.close(), dropper?.close()]);
});

afterEach(() => {
  for (const a of archives.splice(0)) a.close();
  recorder.messages.length = 0;
  recorder.refuse = false;
});

/** One "process": an archive opened on `dir`, a schedule with its own clock and counters. */
function processOn(dir: string, port: number, start = DUE) {
  const archive = new ReportArchive(dir);
  archives.push(archive);
  const clock = { now: start };
  const counts = { builds: 0 };
  const schedule = new ReportSchedule({
    settings: SETTINGS,
    archive,
    clock: () => clock.now,
    build: async (month) => {
      counts.builds++;
      expect(month).toBe("2026-11");
      return report;
    },
    send: (m) => sendMessage({ host: "127.0.0.1", port, tls: { mode: "none", verify: true } }, m),
  });
  return { archive, clock, counts, schedule };
}

const freshDir = () => mkdtempSync(path.join(tmpdir(), "report-archive-"));

describe("when a report is due", () => {
  it("is the configured day and time of the next month in the operator's zone", () => {
    expect(dueAt("2026-11", SETTINGS)).toBe(DUE);
    expect(dueMonth(DUE - 1, SETTINGS)).toBeNull();
    expect(dueMonth(DUE, SETTINGS)).toBe("2026-11");
    expect(dueMonth(Date.UTC(2026, 11, 31, 15, 59), SETTINGS)).toBe("2026-11"); // 23:59 on 31 December
    expect(dueMonth(Date.UTC(2026, 11, 31, 16), SETTINGS)).toBeNull(); // 1 January: December not due yet
    // day 31 in a 28-day February; New York across the DST change on 8 March 2026
    expect(dueAt("2027-01", { ...SETTINGS, day: 31 })).toBe(Date.UTC(2027, 1, 28, 0));
    expect(dueAt("2026-02", { day: 8, time: "08:00", timeZone: "America/New_York" })).toBe(
      Date.UTC(2026, 2, 8, 12),
    );
  });

  it("does nothing before it is due", async () => {
    const p = processOn(freshDir(), recorder.port, DUE - MIN);
    expect(await p.schedule.tick()).toEqual({ month: null, outcome: "not-due" });
    expect(p.counts.builds).toBe(0);
    expect(p.archive.get("2026-11")).toBeUndefined();
  });
});

describe("never twice for one month", () => {
  it("sends once after a restart between build and send, from the archived files", async () => {
    const dir = freshDir();
    const first = processOn(dir, recorder.port);
    expect(await first.schedule.prepare()).toEqual({ month: "2026-11", outcome: "ready" });
    expect(first.archive.get("2026-11")?.state).toBe("built");
    expect(existsSync(path.join(dir, "2026-11", "report.pdf"))).toBe(true);
    first.archive.close(); // the process stops before sending

    const second = processOn(dir, recorder.port, DUE + 5 * MIN);
    expect(await second.schedule.tick()).toEqual({ month: "2026-11", outcome: "sent" });
    expect(second.counts.builds).toBe(0);
    expect(await second.schedule.tick()).toEqual({ month: "2026-11", outcome: "already-sent" });
    second.archive.close();

    const third = processOn(dir, recorder.port, DUE + 20 * 24 * 60 * MIN);
    expect(await third.schedule.tick()).toEqual({ month: "2026-11", outcome: "already-sent" });
    expect(third.counts.builds).toBe(0);

    expect(recorder.messages).toHaveLength(1);
    const raw = recorder.messages[0]!.toString("latin1");
    expect(raw).toMatch(/^X-Mailsla-Report: 2026-11\r?$/m);
    const pdf = readFileSync(path.join(dir, "2026-11", "report.pdf"))
      .toString("base64")
      .slice(0, 76);
    expect(raw).toContain(pdf);
    expect(third.archive.get("2026-11")).toMatchObject({ state: "sent", attempts: 1, sentAt: DUE + 5 * MIN });
  });

  it("retries a send refused before DATA, after a pause, and then sends once", async () => {
    const p = processOn(freshDir(), recorder.port);
    recorder.refuse = true;
    const refused = await p.schedule.tick();
    expect(refused).toMatchObject({ month: "2026-11", outcome: "retry" });
    expect(refused.error).toMatch(/550/);
    recorder.refuse = false;
    p.clock.now += RETRY_AFTER_MS - 1;
    expect((await p.schedule.tick()).outcome).toBe("waiting");
    p.clock.now += 1;
    expect((await p.schedule.tick()).outcome).toBe("sent");
    expect((await p.schedule.tick()).outcome).toBe("already-sent");
    expect(recorder.messages).toHaveLength(1);
    expect(p.counts.builds).toBe(1);
    expect(p.archive.get("2026-11")).toMatchObject({ state: "sent", attempts: 2 });
  });

  it("never resends when the connection was lost after the message was transferred", async () => {
    const dir = freshDir();
    const p = processOn(dir, dropper.port);
    const lost = await p.schedule.tick();
    expect(lost.outcome).toBe("uncertain");
    expect(dropper.stats).toEqual({ connections: 1, messagesTaken: 1 });
    p.clock.now += 2 * RETRY_AFTER_MS;
    expect((await p.schedule.tick()).outcome).toBe("uncertain");
    p.archive.close();
    const restarted = processOn(dir, dropper.port, DUE + 24 * 60 * MIN);
    expect((await restarted.schedule.tick()).outcome).toBe("uncertain");
    expect(dropper.stats.connections).toBe(1);
    expect(restarted.archive.get("2026-11")?.lastError).toMatch(/closed|connection/i);
  });

  it("treats a send cut off by a crash as uncertain once it is stale, and never resends it", async () => {
    const dir = freshDir();
    const p = processOn(dir, recorder.port);
    expect((await p.schedule.prepare()).outcome).toBe("ready");
    expect(p.archive.beginSend("2026-11", DUE)).toBe(true); // the process dies inside the send
    p.archive.close();
    const restarted = processOn(dir, recorder.port, DUE + MIN);
    expect((await restarted.schedule.tick()).outcome).toBe("busy"); // maybe another process is sending
    restarted.clock.now = DUE + STALE_SENDING_MS;
    expect((await restarted.schedule.tick()).outcome).toBe("uncertain");
    expect(restarted.archive.get("2026-11")?.state).toBe("uncertain");
    expect(recorder.messages).toHaveLength(0);
  });
});
