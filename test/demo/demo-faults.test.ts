import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SERVICES, startDemoTarget, type DemoService, type DemoTarget } from "../../demo/target.js";
import {
  connectTcp,
  connectTls,
  firstMoments,
  imapClient,
  mailer,
  probeMessage,
  talk,
  webRequest,
  within,
} from "./helpers.js";

const SLOW_MS = 1500;

let target: DemoTarget;
beforeAll(async () => {
  target = await startDemoTarget({ slowMs: SLOW_MS });
});
afterEach(() => {
  for (const s of DEMO_SERVICES) target.setFault(s, "none");
});
afterAll(async () => {
  await target?.stop();
});

describe("down", () => {
  it.each(DEMO_SERVICES)("%s: a healthy service keeps a new connection open", async (s) => {
    const seen = await firstMoments(target, target.ports[s], 1000);
    expect(seen.closed).toBe(false);
    expect(seen.data).toMatch(s === "smtp" || s === "submission" ? /^220 / : /^$/);
  });

  it.each(DEMO_SERVICES)("%s: a new connection is closed at once without a word", async (s) => {
    target.setFault(s, "down");
    expect(await firstMoments(target, target.ports[s])).toEqual({ closed: true, data: "" });
  });

  it("cuts connections already open, and the service comes back with 'none'", async () => {
    const client = imapClient(target);
    await client.connect();
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    target.setFault("imap", "down");
    await within(closed, 5000, "the open IMAP connection to be cut");
    target.setFault("imap", "none");
    const again = imapClient(target);
    await again.connect();
    expect(again.authenticated).toBeTruthy();
    await again.logout();
  });
});

/** Milliseconds from an established connection (TLS done, where implicit) to the service's first answer. */
async function answerDelay(s: DemoService): Promise<number> {
  if (s === "webmail") {
    const t0 = Date.now();
    await webRequest(target, "/");
    return Date.now() - t0;
  }
  const socket =
    s === "imap" || s === "pop3"
      ? await connectTls(target, target.ports[s])
      : await connectTcp(target, target.ports[s]);
  const t0 = Date.now();
  await talk(socket).line(3 * SLOW_MS);
  const elapsed = Date.now() - t0;
  socket.destroy();
  return elapsed;
}

describe("slow", () => {
  it.each(DEMO_SERVICES)("%s: answers at once when healthy, after the delay when slow", async (s) => {
    expect(await answerDelay(s)).toBeLessThan(SLOW_MS / 2);
    target.setFault(s, "slow");
    expect(await answerDelay(s)).toBeGreaterThanOrEqual(SLOW_MS - 50);
  });

  it("keeps the TLS handshake fast, so a probe sees a slow service, not a TLS failure", async () => {
    target.setFault("imap", "slow");
    const t0 = Date.now();
    const socket = await connectTls(target, target.ports.imap);
    expect(Date.now() - t0).toBeLessThan(SLOW_MS / 2);
    socket.destroy();
  });
});

describe("refuse", () => {
  it("smtp: greets with 421 and closes", async () => {
    target.setFault("smtp", "refuse");
    const t = talk(await connectTcp(target, target.ports.smtp));
    expect(await t.line()).toMatch(/^421 /);
    await expect(t.line()).rejects.toThrow(/closed/);
  });

  it("submission: greets, then refuses AUTH with 454", async () => {
    target.setFault("submission", "refuse");
    const { user, pass } = target.users.probe1;
    const err = await mailer(target, target.ports.submission, { user, pass })
      .sendMail(probeMessage(user, "refused"))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "EAUTH", responseCode: 454 });
  });

  it("imap: answers LOGIN with NO [UNAVAILABLE]", async () => {
    target.setFault("imap", "refuse");
    const t = talk(await connectTls(target, target.ports.imap));
    expect(await t.line()).toMatch(/^\* OK /);
    const { user, pass } = target.users.probe1;
    t.send(`a1 LOGIN "${user}" "${pass}"`);
    expect(await t.line()).toMatch(/^a1 NO \[UNAVAILABLE\] /);
    t.socket.destroy();
    await expect(imapClient(target).connect()).rejects.toMatchObject({ authenticationFailed: true });
  });

  it("pop3: answers PASS with -ERR [SYS/TEMP]", async () => {
    target.setFault("pop3", "refuse");
    const t = talk(await connectTls(target, target.ports.pop3));
    await t.line();
    t.send(`USER ${target.users.probe1.user}`);
    t.send(`PASS ${target.users.probe1.pass}`);
    expect(await t.until(/^-ERR/)).toEqual(["+OK", "-ERR [SYS/TEMP] Service unavailable (demo fault)"]);
    t.socket.destroy();
  });

  it("webmail: answers 503 to the page and to the login", async () => {
    target.setFault("webmail", "refuse");
    expect((await webRequest(target, "/")).status).toBe(503);
    const { user, pass } = target.users.probe1;
    expect((await webRequest(target, "/login", { form: { username: user, password: pass } })).status).toBe(
      503,
    );
  });
});

describe("setFault", () => {
  it("rejects an unknown service or fault instead of ignoring it", () => {
    expect(() => target.setFault("ftp" as DemoService, "down")).toThrow(/unknown demo service "ftp"/);
    expect(() => target.setFault("imap", "flaky" as "down")).toThrow(/unknown demo fault "flaky"/);
  });
});
