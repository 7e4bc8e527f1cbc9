import type net from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { Secret } from "../../config/secret.js";
import { systemClock } from "../../contract/clock.js";
import { classifyError } from "../../contract/errors.js";
import { dotStuff, parseEhlo, SmtpDialog } from "../../probes/net/smtp-dialog.js";
import { rawPeer } from "../helpers/raw-peer.js";

const NO_VERIFY = { verify: false, servername: "localhost" };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** An in-process smtp-server on loopback, with the probe's account user1/secret-pw. */
async function smtpPeer(options: SMTPServerOptions = {}): Promise<number> {
  const server = new SMTPServer({
    logger: false,
    size: 1_000_000,
    onAuth(auth, _session, cb) {
      if (auth.username === "user1" && auth.password === "secret-pw") cb(null, { user: auth.username });
      else cb(Object.assign(new Error("Invalid credentials"), { responseCode: 535 }));
    },
    ...options,
  });
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.server.address() as net.AddressInfo).port;
}

async function dial(port: number, signal = AbortSignal.timeout(5000)): Promise<SmtpDialog> {
  const dialog = await SmtpDialog.connect({ host: "127.0.0.1", port, signal });
  closers.push(async () => dialog.close());
  return dialog;
}

/** The closed code a failing step would be recorded with (what `phase` does to it). */
async function codeOf(
  p: Promise<unknown>,
): Promise<{ code: string; responseCode?: number; message: string }> {
  const err = await p.then(
    () => expect.unreachable("the step should have failed"),
    (e: unknown) => e,
  );
  const { code, responseCode, message } = classifyError(err, "ehlo");
  return { code, message, ...(responseCode !== undefined ? { responseCode } : {}) };
}

describe("replies", () => {
  it("reads a multi-line reply with its enhanced status code", async () => {
    const port = await rawPeer(closers, (s) => s.write("250-first 2.1.0\r\n250-second\r\n250 last\r\n"));
    const reply = await (await dial(port)).readReply();
    expect(reply).toEqual({ code: 250, lines: ["first 2.1.0", "second", "last"] });
    const port2 = await rawPeer(closers, (s) => s.write("550 5.7.1 Relay access denied\r\n"));
    expect(await (await dial(port2)).readReply()).toEqual({
      code: 550,
      lines: ["5.7.1 Relay access denied"],
      enhanced: "5.7.1",
    });
  });

  it("calls anything that is not ddd[ -] a protocol error", async () => {
    for (const garbage of ["HTTP/1.1 400 Bad Request\r\n", "220-a\r\n250 b\r\n", "22 short\r\n", "\r\n"]) {
      const port = await rawPeer(closers, (s) => s.write(garbage));
      const d = await dial(port);
      expect((await codeOf(d.readReply())).code, garbage).toBe("protocol");
    }
  });

  it("turns 4xx and 5xx into smtp-4xx and smtp-5xx with the code and the server's text", async () => {
    const port = await smtpPeer({
      authOptional: true,
      onMailFrom: (a, _s, cb) =>
        cb(
          a.address.startsWith("grey")
            ? Object.assign(new Error("Greylisted, later"), { responseCode: 451 })
            : null,
        ),
      onRcptTo: (_a, _s, cb) => cb(Object.assign(new Error("No such user"), { responseCode: 550 })),
    });
    const d = await dial(port);
    await d.banner();
    await d.ehlo("probe.test");
    const mail = await codeOf(d.mailFrom("grey@example.com"));
    expect(mail).toMatchObject({ code: "smtp-4xx", responseCode: 451 });
    expect(mail.message).toContain("Greylisted");
    await d.mailFrom("a@example.com");
    expect(await codeOf(d.rcptTo("b@example.com"))).toMatchObject({ code: "smtp-5xx", responseCode: 550 });
  });

  it("requires 220 in the banner", async () => {
    const port = await rawPeer(closers, (s) => s.write("554 5.3.2 no service for you\r\n"));
    expect(await codeOf((await dial(port)).banner())).toMatchObject({ code: "smtp-5xx", responseCode: 554 });
  });
});

describe("EHLO", () => {
  it("parses STARTTLS, AUTH mechanisms and SIZE, again after STARTTLS", async () => {
    const d = await dial(await smtpPeer({ authMethods: ["PLAIN", "LOGIN", "CRAM-MD5"] }));
    await d.banner();
    const before = await d.ehlo("probe.test");
    expect(before.starttls).toBe(true);
    expect(before.size).toBe(1_000_000);
    expect(before.extensions.has("PIPELINING")).toBe(true);
    await d.starttls(NO_VERIFY);
    expect(d.isSecure).toBe(true);
    expect(d.certificate?.notAfter).toBeGreaterThan(0);
    const after = await d.ehlo("probe.test");
    expect(after.starttls).toBe(false);
    expect(after.auth).toEqual(["PLAIN", "LOGIN", "CRAM-MD5"]);
  });

  it("understands the old AUTH= form", () => {
    const info = parseEhlo({ code: 250, lines: ["mx", "AUTH=PLAIN LOGIN", "8BITMIME", "SIZE"] });
    expect(info.auth).toEqual(["PLAIN", "LOGIN"]);
    expect(info.size).toBeUndefined();
    expect([...info.extensions.keys()]).toEqual(["AUTH", "8BITMIME", "SIZE"]);
  });
});

describe("AUTH", () => {
  async function authenticated(methods: string[]) {
    const d = await dial(await smtpPeer({ authMethods: methods }));
    await d.banner();
    await d.ehlo("probe.test");
    await d.starttls(NO_VERIFY);
    return { d, ehlo: await d.ehlo("probe.test") };
  }

  it("logs in with PLAIN when offered, else LOGIN", async () => {
    const plain = await authenticated(["LOGIN", "PLAIN"]);
    expect(await plain.d.auth(plain.ehlo.auth, "user1", new Secret("secret-pw"))).toBe("PLAIN");
    await plain.d.mailFrom("user1@probe.test");
    const login = await authenticated(["LOGIN"]);
    expect(await login.d.auth(login.ehlo.auth, "user1", new Secret("secret-pw"))).toBe("LOGIN");
    await login.d.mailFrom("user1@probe.test");
  });

  it("reports a refused login as auth, without the password", async () => {
    for (const methods of [["PLAIN"], ["LOGIN"]]) {
      const { d, ehlo } = await authenticated(methods);
      const err = await codeOf(d.auth(ehlo.auth, "user1", new Secret("wrong-pw")));
      expect(err).toMatchObject({ code: "auth", responseCode: 535 });
      expect(err.message).not.toMatch(/wrong-pw|d3JvbmctcHc/);
    }
  });

  it("reports auth-unavailable when neither PLAIN nor LOGIN is offered", async () => {
    const { d, ehlo } = await authenticated(["CRAM-MD5"]);
    expect((await codeOf(d.auth(ehlo.auth, "user1", new Secret("secret-pw")))).code).toBe("auth-unavailable");
    expect((await codeOf(d.auth([], "user1", new Secret("secret-pw")))).code).toBe("auth-unavailable");
  });
});

describe("DATA", () => {
  it("dot-stuffs and normalises line ends", () => {
    expect(dotStuff("a\n.b\r\n..c\n")).toBe("a\r\n..b\r\n...c\r\n.\r\n");
    expect(dotStuff(".")).toBe("..\r\n.\r\n");
  });

  it("delivers the message intact and times the 250 that follows the dot", async () => {
    let received = "";
    const port = await smtpPeer({
      authOptional: true,
      onData(stream, _session, cb) {
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => (received += chunk));
        stream.on("end", () => setTimeout(cb, 300));
      },
    });
    const d = await SmtpDialog.connect({ host: "127.0.0.1", port, signal: AbortSignal.timeout(5000) });
    closers.push(async () => d.close());
    await d.banner();
    await d.ehlo("probe.test");
    await d.mailFrom("a@probe.test");
    await d.rcptTo("b@probe.test");
    const sentAt = systemClock.monotonic();
    const { reply, acceptedAt } = await d.data("Subject: t\n\n.leading dot\nend\n");
    expect(reply.code).toBe(250);
    expect(received).toBe("Subject: t\r\n\r\n.leading dot\r\nend\r\n");
    expect(acceptedAt - sentAt).toBeGreaterThanOrEqual(290);
    expect(acceptedAt).toBeLessThanOrEqual(systemClock.monotonic());
    expect((await d.quit()).code).toBe(221);
  });
});

describe("leaving", () => {
  it("does not wait for a server that no longer answers", async () => {
    const port = await rawPeer(closers, (s) => s.write("220 hello\r\n"));
    const d = await dial(port, AbortSignal.timeout(10_000));
    await d.banner();
    const t0 = Date.now();
    await d.leave(200);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
