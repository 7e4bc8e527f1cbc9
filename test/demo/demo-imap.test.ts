import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoTarget, type DemoTarget } from "../../demo/target.js";
import { connectTls, imapClient, mailer, probeMessage, talk, within, type Talk } from "./helpers.js";

let target: DemoTarget;
beforeAll(async () => {
  target = await startDemoTarget();
});
afterAll(async () => {
  await target?.stop();
});

/** Delivers a probe message through the demo MX and returns its token. */
async function deliver(): Promise<string> {
  const token = randomUUID();
  await mailer(target, target.ports.smtp).sendMail(probeMessage(target.users.probe1.user, token));
  return token;
}

describe("IMAP with imapflow", () => {
  it("logs in (AUTHENTICATE PLAIN), opens INBOX and reads a delivered message", async () => {
    const token = await deliver();
    const client = imapClient(target);
    await client.connect();
    const box = await client.mailboxOpen("INBOX");
    expect(box.exists).toBeGreaterThan(0);
    expect(Number(box.uidValidity)).toBeGreaterThan(0);
    expect(box.uidNext).toBeGreaterThan(box.exists);
    const [uid] = (await client.search({ header: { "X-Probe-Token": token } }, { uid: true })) as number[];
    const msg = await client.fetchOne(
      String(uid),
      { uid: true, flags: true, size: true, internalDate: true, source: true, headers: ["subject"] },
      { uid: true },
    );
    expect(msg).toMatchObject({ uid, seq: box.exists });
    if (!msg) throw new Error("no message");
    expect(msg.source!.toString()).toContain(`probe body ${token}`);
    expect(msg.size).toBe(msg.source!.length);
    expect(msg.headers!.toString()).toBe(`Subject: demo probe ${token}\r\n\r\n`);
    expect(msg.flags?.has("\\Seen")).toBe(false);
    expect(Math.abs(Date.now() - (msg.internalDate as Date).getTime())).toBeLessThan(60_000);
    await client.logout();
  });

  it("logs in with LOGIN too, and refuses a wrong password", async () => {
    const client = imapClient(target, { loginMethod: "LOGIN" });
    await client.connect();
    expect(client.authenticated).toBeTruthy();
    await client.logout();
    const bad = imapClient(target, { pass: "wrong" });
    await expect(bad.connect()).rejects.toMatchObject({ authenticationFailed: true });
  });

  it("lists INBOX as the one folder (LIST, LSUB) and reports its STATUS", async () => {
    await deliver();
    const client = imapClient(target);
    await client.connect();
    const folders = await client.list();
    expect(folders.map((f) => [f.path, f.subscribed])).toEqual([["INBOX", true]]);
    const status = await client.status("INBOX", { messages: true, uidNext: true, unseen: true });
    const box = await client.mailboxOpen("INBOX");
    expect(status).toMatchObject({ messages: box.exists, uidNext: box.uidNext });
    expect(status && status.unseen).toBeGreaterThan(0);
    await client.logout();
  });

  it("deletes a message (STORE \\Deleted, EXPUNGE) and the mailbox shrinks", async () => {
    const token = await deliver();
    const client = imapClient(target);
    await client.connect();
    const box = await client.mailboxOpen("INBOX");
    const before = box.exists;
    const uids = (await client.search({ header: { "x-probe-token": token } }, { uid: true })) as number[];
    expect(uids).toHaveLength(1);
    expect(await client.messageDelete(uids, { uid: true })).toBe(true);
    expect(client.mailbox && client.mailbox.exists).toBe(before - 1);
    expect(await client.search({ header: { "x-probe-token": token } }, { uid: true })).toEqual([]);
    await client.logout();
  });

  it("pushes EXISTS to a client in IDLE when a message arrives", async () => {
    let idleStarted = (): void => undefined;
    const started = new Promise<void>((resolve) => (idleStarted = resolve));
    const onLog = (entry: { msg?: string }): void => {
      if (entry.msg?.startsWith("Initiated IDLE")) idleStarted(); // logged when the server's "+" arrives
    };
    const client = imapClient(target, { logger: { debug: onLog, info: onLog, warn: onLog, error: onLog } });
    await client.connect();
    const before = (await client.mailboxOpen("INBOX")).exists; // imapflow updates that object in place
    const exists = new Promise<number>((resolve) =>
      client.on("exists", (e: { count: number }) => resolve(e.count)),
    );
    const idling = client.idle();
    await within(started, 5000, "the server to accept IDLE");
    await deliver();
    expect(await within(exists, 5000, "EXISTS during IDLE")).toBe(before + 1);
    await client.logout();
    await idling;
  });
});

/** Sends one tagged command and returns every line up to and including its tagged reply. */
async function command(t: Talk, tag: string, text: string): Promise<string[]> {
  t.send(`${tag} ${text}`);
  return t.until(new RegExp(`^${tag} (OK|NO|BAD)`));
}

/** A raw IMAP connection, greeting read. */
async function rawImap(): Promise<Talk> {
  const t = talk(await connectTls(target, target.ports.imap));
  expect(await t.line()).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN.*\] /);
  return t;
}

describe("IMAP protocol details", () => {
  it("answers unknown commands and commands out of state with BAD", async () => {
    const t = await rawImap();
    expect(await command(t, "a1", "FROBNICATE")).toEqual(["a1 BAD Unknown command FROBNICATE"]);
    expect((await command(t, "a2", "SELECT INBOX")).at(-1)).toMatch(/^a2 BAD /);
    expect((await command(t, "a3", "UID LOGIN x y")).at(-1)).toMatch(/^a3 BAD /);
    t.socket.destroy();
  });

  it("takes AUTHENTICATE PLAIN with an initial response (SASL-IR), ID, NAMESPACE and LIST", async () => {
    const t = await rawImap();
    const { user, pass } = target.users.probe1;
    const ir = Buffer.from(`\0${user}\0${pass}`).toString("base64");
    expect((await command(t, "a1", `AUTHENTICATE PLAIN ${ir}`)).at(-1)).toMatch(/^a1 OK \[CAPABILITY /);
    expect(await command(t, "a2", 'ID ("name" "test")')).toEqual([
      '* ID ("name" "mailsla-demo" "vendor" "mailsla")',
      "a2 OK ID completed",
    ]);
    expect(await command(t, "a3", "NAMESPACE")).toEqual([
      '* NAMESPACE (("" "/")) NIL NIL',
      "a3 OK NAMESPACE completed",
    ]);
    expect(await command(t, "a4", 'LIST "" "*"')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      "a4 OK LIST completed",
    ]);
    expect((await command(t, "a5", "SELECT Archive")).at(-1)).toMatch(/^a5 NO \[NONEXISTENT\]/);
    t.socket.destroy();
  });

  it("reads a synchronizing literal after a continuation request", async () => {
    const t = await rawImap();
    const { user, pass } = target.users.probe1;
    t.send(`a1 LOGIN {${user.length}}`);
    expect(await t.line()).toMatch(/^\+ /);
    t.send(`${user} "${pass}"`);
    expect(await t.line()).toMatch(/^a1 OK /);
    t.socket.destroy();
  });

  it("pushes EXISTS during IDLE and ends IDLE on DONE", async () => {
    const t = await rawImap();
    const { user, pass } = target.users.probe1;
    await command(t, "a1", `LOGIN "${user}" "${pass}"`);
    const exists = Number(
      /^\* (\d+) EXISTS$/.exec(
        (await command(t, "a2", "EXAMINE INBOX")).find((l) => l.endsWith(" EXISTS"))!,
      )![1],
    );
    t.send("a3 IDLE");
    expect(await t.line()).toBe("+ idling");
    await deliver();
    expect(await t.line()).toBe(`* ${exists + 1} EXISTS`);
    t.send("DONE");
    expect(await t.line()).toBe("a3 OK IDLE terminated");
    t.socket.destroy();
  });

  it("refuses a wrong SASL PLAIN password with NO [AUTHENTICATIONFAILED]", async () => {
    const t = await rawImap();
    t.send("a1 AUTHENTICATE PLAIN");
    expect(await t.line()).toBe("+ ");
    t.send(Buffer.from(`\0${target.users.probe1.user}\0wrong`).toString("base64"));
    expect(await t.line()).toBe("a1 NO [AUTHENTICATIONFAILED] Authentication failed");
    t.socket.destroy();
  });

  it("reports SELECT data, SEARCH by sequence and UID, and STORE with FETCH responses", async () => {
    await deliver();
    const t = await rawImap();
    const { user, pass } = target.users.probe1;
    await command(t, "a1", `LOGIN "${user}" "${pass}"`);
    const select = await command(t, "a2", "SELECT INBOX");
    expect(select).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\* FLAGS \(/),
        expect.stringMatching(/^\* \d+ EXISTS$/),
        "* 0 RECENT",
        expect.stringMatching(/^\* OK \[UIDVALIDITY \d+\]/),
        expect.stringMatching(/^\* OK \[UIDNEXT \d+\]/),
        "a2 OK [READ-WRITE] SELECT completed",
      ]),
    );
    const exists = Number(/^\* (\d+) EXISTS$/.exec(select.find((l) => l.endsWith("EXISTS"))!)![1]);
    const [seqs] = await command(t, "a3", "SEARCH ALL");
    expect(seqs).toBe(`* SEARCH ${Array.from({ length: exists }, (_, i) => i + 1).join(" ")}`);
    const [uids] = await command(t, "a4", "UID SEARCH NOT DELETED");
    const lastUid = Number(uids!.split(" ").at(-1));
    expect(await command(t, "a5", `UID STORE ${lastUid} +FLAGS (\\Flagged)`)).toEqual([
      `* ${exists} FETCH (FLAGS (\\Flagged) UID ${lastUid})`,
      "a5 OK STORE completed",
    ]);
    expect(await command(t, "a6", "SEARCH FLAGGED")).toEqual([
      `* SEARCH ${exists}`,
      "a6 OK SEARCH completed",
    ]);
    expect((await command(t, "a7", "FETCH 1 ENVELOPE")).at(-1)).toMatch(/^a7 BAD Unsupported FETCH item/);
    expect((await command(t, "a8", "SEARCH FUZZY x")).at(-1)).toMatch(/^a8 BAD Unsupported search key/);
    t.socket.destroy();
  });
});
