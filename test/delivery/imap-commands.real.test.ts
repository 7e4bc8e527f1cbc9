/**
 * What the IMAP watcher says per probe, read on the wire: a loopback tap between the watcher and
 * the real Dovecot (plain IMAP, so the commands are readable). A probe whose message is there at
 * the first look costs a NOOP and a UID FETCH, plus the batched delete every DELETE_BATCH probes.
 * A message that lands while the FETCH is on its way is announced at the FETCH's end, after the
 * FETCH's own view of the mailbox: it is fetched next, within its bound, not forgotten. Takes are
 * committed without waiting for the disk, and made durable before a delete goes to the server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAgentState } from "../../probes/state/agent-state.js";
import { stackImapClient } from "../helpers/stack-imap.js";
import { startTcpTap, type TcpTap } from "../helpers/tcp-tap.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { sleep, waitFor } from "../stack/proc.js";
import { exportPasswords, maildirWitness, stackConfig, testRunner, type TestRunner } from "./harness.js";

let stack: MailStack;
let tap: TcpTap;
let t: TestRunner;
let witness: ReturnType<typeof maildirWitness>;
const state = openAgentState(":memory:");

/** The first burst poll comes this long after the send: long enough for Postfix to deliver first. */
const FIRST_LOOK_MS = 1500;
/** A batch shorter than the shipped one, to see several within the test. */
const DELETE_BATCH = 4;

beforeAll(async () => {
  stack = await startMailStack();
  exportPasswords(stack);
  // a message that is not a probe keeps the mailbox from ever being empty
  const client = stackImapClient(stack, stack.users.probe2);
  await client.connect();
  await client.append("INBOX", "Subject: not a probe\r\n\r\nkept\r\n");
  await client.logout();
  tap = await startTcpTap(stack.host, stack.ports.imap);
  witness = maildirWitness(stack.maildir("probe2"));
  const config = stackConfig(stack, (raw) => {
    raw.services.push({
      name: "imap-tap",
      kind: "imap",
      host: "127.0.0.1",
      port: tap.port,
      account: "probe2",
      tls: { mode: "none" },
    });
    raw.deliveries = [
      { name: "rt", direction: "roundtrip", via: "sub", mailbox: "imap-tap", vantagePoints: ["a"] },
    ];
  });
  // no loss check during the test: it would settle lazy takes on its own tick
  const tuning = { burstPollMs: FIRST_LOOK_MS, deleteBatch: DELETE_BATCH };
  t = await testRunner({ config, vantage: "a", state, tuning, lossCheckMs: 3_600_000 });
});
afterAll(async () => {
  await t?.runner.stop();
  witness?.close();
  state.close();
  await tap?.close();
  await stack?.stop();
});

/** The IMAP commands (without tags) the watcher wrote after `since` (performance.now()). */
function commandsSince(since: number): { at: number; command: string }[] {
  return tap
    .chunks()
    .filter((c) => c.at >= since)
    .flatMap((c) =>
      c.text
        .split("\r\n")
        .filter(Boolean)
        .map((line) => ({ at: c.at, command: line.replace(/^\S+ /, "") })),
    );
}

describe("the IMAP watcher on the wire", () => {
  it("a NOOP and a UID FETCH per probe when the message is there at the first look, the delete batched", async () => {
    const perProbe: string[][] = [];
    for (let i = 0; i < DELETE_BATCH * 2; i++) {
      const before = performance.now();
      const { token } = await t.send("rt");
      const landed = await witness.seen(token);
      const r = await t.result(token);
      expect(r.outcome).toBe("delivered");
      // the result is published before the batched delete goes out: wait for the watcher to settle
      await waitFor("the watcher to go quiet", async () => {
        const last = commandsSince(before).at(-1);
        return last && performance.now() - last.at > 300 ? true : undefined;
      });
      const commands = commandsSince(before);
      expect(landed, "Postfix delivered before the first look").toBeLessThan(commands[0]!.at);
      perProbe.push(commands.map((c) => c.command.replace(/^(UID \S+).*/, "$1")));
    }
    const look = ["NOOP", "UID FETCH"];
    const expected = perProbe.map((_, i) =>
      (i + 1) % DELETE_BATCH === 0 ? [...look, "UID STORE", "UID EXPUNGE"] : look,
    );
    expect(perProbe).toEqual(expected);
  });

  it("a message that lands while a FETCH is under way is fetched next, within its bound", async () => {
    const held = tap.holdNext(/UID FETCH/);
    const first = await t.send("rt");
    const release = await held; // the burst's NOOP saw the first message; its FETCH waits here
    const second = await t.send("rt");
    const landed = await witness.seen(second.token);
    await witness.seen(first.token);
    release(); // Dovecot answers the FETCH with the first message, then announces the second
    const [a, b] = [await t.result(first.token), await t.result(second.token, 5000)];
    expect([a.outcome, b.outcome]).toEqual(["delivered", "delivered"]);
    // the second message became visible `landed - sentMono` after its 250: within [delay - bound, delay]
    const visible = (landed - second.sentMono) / 1000;
    expect(b.delaySeconds! - b.errorBoundSeconds!).toBeLessThanOrEqual(visible + 0.01);
    expect(b.delaySeconds!).toBeGreaterThanOrEqual(visible - 0.01);
  });

  it("makes the lazily committed takes durable before the batched delete reaches the server", async () => {
    const settles = () =>
      (state.db.prepare("SELECT n FROM delivery_settled").get() as { n: number } | undefined)?.n ?? 0;
    const before = settles();
    const held = tap.holdNext(/UID STORE/);
    let release: (() => void) | undefined;
    void held.then((r) => (release = r));
    const tokens: string[] = [];
    // the batch fills within DELETE_BATCH probes; its delete follows the last one's result at once
    for (let i = 0; i < DELETE_BATCH && !release; i++) {
      const { token } = await t.send("rt");
      tokens.push(token);
      expect((await t.result(token)).outcome).toBe("delivered");
      await Promise.race([held, sleep(500)]);
    }
    expect(release, "a batched delete within DELETE_BATCH probes").toBeDefined();
    expect(settles()).toBe(before + 1); // one durable commit, before the STORE left the agent
    release!();
    const taken = state.outbox.pending(1000).map((r) => (r.payload as { token: string }).token);
    expect(taken).toEqual(expect.arrayContaining(tokens));
  });
});
