import { randomUUID } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoTarget, type DemoTarget } from "../../demo/target.js";
import { connectTcp, connectTls, imapClient, mailer, probeMessage, talk, webRequest } from "./helpers.js";

let target: DemoTarget;
beforeAll(async () => {
  target = await startDemoTarget();
});
afterAll(async () => {
  await target?.stop();
});

describe("the demo certificate", () => {
  it.each(["mail.demo.test", "localhost"])("verifies against the demo CA as %s", async (name) => {
    const socket = await connectTls(target, target.ports.imap, name);
    expect(socket.authorized).toBe(true);
    socket.destroy();
  });

  it("is refused for a name it does not carry, so verification really happens", async () => {
    await expect(connectTls(target, target.ports.pop3, "mail.example.com")).rejects.toThrow(/altnames/i);
  });
});

/** EHLO on a plain connection: the keywords offered before STARTTLS. */
async function ehloKeywords(port: number): Promise<string[]> {
  const t = talk(await connectTcp(target, port));
  expect(await t.line()).toMatch(/^220 mail\.demo\.test /);
  t.send("EHLO probe.test");
  const lines = await t.until(/^250 /);
  t.socket.destroy();
  return lines.map((l) => l.slice(4).split(" ")[0]!);
}

describe("the MX", () => {
  it("offers STARTTLS and no AUTH", async () => {
    const keywords = await ehloKeywords(target.ports.smtp);
    expect(keywords).toContain("STARTTLS");
    expect(keywords.filter((k) => k.startsWith("AUTH"))).toEqual([]);
  });

  it("accepts mail for a demo user over verified STARTTLS and keeps it in the mailbox", async () => {
    const token = randomUUID();
    const info = await mailer(target, target.ports.smtp).sendMail(
      probeMessage(target.users.probe1.user, token),
    );
    expect(info.accepted).toEqual([target.users.probe1.user]);
    const client = imapClient(target);
    await client.connect();
    await client.mailboxOpen("INBOX");
    const uids = await client.search({ header: { "x-probe-token": token } }, { uid: true });
    expect(uids).toHaveLength(1);
    const message = await client.fetchOne(String((uids as number[])[0]), { source: true }, { uid: true });
    const source = message ? message.source!.toString() : "";
    expect(source).toMatch(
      /^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby mail\.demo\.test \(mailsla demo\) with ESMTPS/,
    );
    expect(source).toContain(`Subject: demo probe ${token}`);
    await client.logout();
  });

  it("refuses to relay for a foreign domain with 554, so an open-relay probe passes", async () => {
    const err = await mailer(target, target.ports.smtp)
      .sendMail(probeMessage("someone@outside.example", "relay"))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "EENVELOPE", responseCode: 554 });
  });

  it("refuses an unknown user of the demo domain with 550", async () => {
    const err = await mailer(target, target.ports.smtp)
      .sendMail(probeMessage(`nobody@${target.domain}`, "unknown"))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "EENVELOPE", responseCode: 550 });
  });
});

describe("submission", () => {
  it("offers STARTTLS, and refuses AUTH before it with 538", async () => {
    const t = talk(await connectTcp(target, target.ports.submission));
    await t.line();
    t.send("EHLO probe.test");
    expect(await t.until(/^250 /)).toContain("250-STARTTLS");
    const { user, pass } = target.users.probe1;
    t.send(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString("base64")}`);
    expect(await t.line()).toMatch(/^538 /);
    t.socket.destroy();
  });

  it("sends as the probe account to a demo user and to a foreign domain", async () => {
    const { user, pass } = target.users.probe1;
    const info = await mailer(target, target.ports.submission, { user, pass }).sendMail({
      ...probeMessage(user, randomUUID()),
      to: [user, "someone@outside.example"],
    });
    expect(info.accepted).toEqual([user, "someone@outside.example"]);
  });

  it("answers MAIL without AUTH with 530", async () => {
    const err = await mailer(target, target.ports.submission)
      .sendMail(probeMessage(target.users.probe1.user, "noauth"))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ responseCode: 530 });
  });

  it("refuses a wrong password with 535", async () => {
    const auth = { user: target.users.probe1.user, pass: "wrong" };
    const err = await mailer(target, target.ports.submission, auth)
      .sendMail(probeMessage(auth.user, "badpass"))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "EAUTH", responseCode: 535 });
  });
});

describe("POP3", () => {
  it("lists, retrieves (dot-stuffed, whole or TOP) and deletes a delivered message", async () => {
    const { user, pass } = target.users.probe1;
    const token = randomUUID();
    await mailer(target, target.ports.smtp).sendMail(probeMessage(user, token));
    const t = talk(await connectTls(target, target.ports.pop3));
    expect(await t.line()).toMatch(/^\+OK /);
    t.send("CAPA");
    expect(await t.until(/^\.$/)).toEqual(expect.arrayContaining(["USER", "UIDL", "TOP"]));
    t.send(`USER ${user}`);
    expect(await t.line()).toBe("+OK");
    t.send(`PASS ${pass}`);
    expect(await t.line()).toMatch(/^\+OK Logged in, \d+ messages/);
    t.send("STAT");
    const [, count = 0] = /^\+OK (\d+) \d+$/.exec(await t.line())!.map(Number);
    expect(count).toBeGreaterThan(0);
    t.send(`LIST ${count}`);
    expect(await t.line()).toMatch(new RegExp(`^\\+OK ${count} \\d+$`));
    t.send(`RETR ${count}`);
    const lines = await t.until(/^\.$/);
    expect(lines[0]).toMatch(/^\+OK \d+ octets$/);
    expect(lines).toContain(`Subject: demo probe ${token}`);
    expect(lines).toContain("..leading dot line");
    t.send(`TOP ${count} 0`);
    const top = await t.until(/^\.$/);
    expect(top).toContain(`Subject: demo probe ${token}`);
    expect(top.slice(-2)).toEqual(["", "."]);
    t.send(`TOP ${count} 1`);
    expect((await t.until(/^\.$/)).slice(-3)).toEqual(["", `probe body ${token}`, "."]);
    t.send(`DELE ${count}`);
    expect(await t.line()).toBe(`+OK Message ${count} deleted`);
    t.send(`RETR ${count}`);
    expect(await t.line()).toBe("-ERR No such message");
    t.send("QUIT");
    expect(await t.line()).toBe("+OK Bye");
    const t2 = talk(await connectTls(target, target.ports.pop3));
    await t2.line();
    t2.send(`USER ${user}`);
    t2.send(`PASS ${pass}`);
    await t2.line();
    expect(await t2.line()).toBe(`+OK Logged in, ${count - 1} messages`);
    t2.socket.destroy();
  });

  it("refuses a wrong password with -ERR [AUTH]", async () => {
    const t = talk(await connectTls(target, target.ports.pop3));
    await t.line();
    t.send(`USER ${target.users.probe1.user}`);
    await t.line();
    t.send("PASS wrong");
    expect(await t.line()).toBe("-ERR [AUTH] Authentication failed");
    t.send("STAT");
    expect(await t.line()).toMatch(/^-ERR/);
    t.socket.destroy();
  });
});

describe("webmail", () => {
  it("serves a sign-in page over verified HTTPS", async () => {
    const res = await webRequest(target, "/");
    expect(res.status).toBe(200);
    expect(res.body).toContain("Sign in");
  });

  it("answers a right login with 302 and a session that opens the inbox", async () => {
    const { user, pass } = target.users.probe1;
    const res = await webRequest(target, "/login", { form: { username: user, password: pass } });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("/inbox");
    expect(String(res.headers["set-cookie"])).toMatch(/^session=[\w-]+; /);
  });

  it("answers a wrong login with 200 and 'Invalid'", async () => {
    const res = await webRequest(target, "/login", {
      form: { username: "probe1@demo.test", password: "nope" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toContain("Invalid");
    expect(res.headers["set-cookie"]).toBeUndefined();
  });
});

/** Resolves with the error code of a TCP connect to the port, or "connected". */
function connectResult(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve("connected");
    });
    socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
  });
}

describe("stop()", () => {
  it("closes every listener and open connection, and can be called twice", async () => {
    const other = await startDemoTarget();
    const client = imapClient(other);
    await client.connect();
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    const ports = Object.values(other.ports);
    expect(await Promise.all(ports.map((p) => connectResult(other.host, p)))).toEqual(
      ports.map(() => "connected"),
    );
    await other.stop();
    await closed;
    expect(await Promise.all(ports.map((p) => connectResult(other.host, p)))).toEqual(
      ports.map(() => "ECONNREFUSED"),
    );
    await other.stop();
  });
});
