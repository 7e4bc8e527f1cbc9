/**
 * What happens around a delivery, against the real test stack: a message the MTA drops is lost after
 * its timeout (injected clock), a probe in Junk is spam, stale probes are cleaned up, a Dovecot restart
 * right after delivery is caught by the SEARCH after reconnecting, a refused send is a result, and an
 * agent killed with messages in flight loses none and counts none twice.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ImapFlow } from "imapflow";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TUNING } from "../../probes/delivery/watch.js";
import { buildProbeMessage, newToken } from "../../probes/delivery/message.js";
import { SmtpDialog } from "../../probes/net/smtp-dialog.js";
import { openAgentState } from "../../probes/state/agent-state.js";
import { stackImapClient } from "../helpers/stack-imap.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { sleep, waitFor } from "../stack/proc.js";
import {
  deferTransport,
  exportPasswords,
  maildirWitness,
  shiftableClock,
  stackConfig,
  testRunner,
  type TestRunner,
} from "./harness.js";

let stack: MailStack;
const cleanup: (() => Promise<void> | void)[] = [];
const figures: string[] = [];

beforeAll(async () => {
  stack = await startMailStack();
  exportPasswords(stack);
});
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
afterAll(async () => {
  console.log(`measured (s):\n${figures.map((f) => `  ${f}`).join("\n")}`);
  await stack?.stop();
});

/** A runner on its own state, stopped after the test. */
async function runner(o: Partial<Parameters<typeof testRunner>[0]> = {}): Promise<TestRunner> {
  const state = o.state ?? openAgentState(":memory:");
  const t = await testRunner({ config: stackConfig(stack), vantage: "a", ...o, state });
  cleanup.push(async () => {
    await t.runner.stop();
    if (!o.state) state.close();
  });
  return t;
}

/** A test's own IMAP session as probe2, to look into the mailbox the probes use. */
async function probe2(): Promise<ImapFlow> {
  const client = stackImapClient(stack, stack.users.probe2);
  await client.connect();
  cleanup.push(() => client.logout().catch(() => undefined));
  return client;
}

/** The probe tokens in probe2's INBOX now (the client has INBOX open; the NOOP brings its view up to date). */
async function probeTokens(client: ImapFlow): Promise<string[]> {
  await client.noop();
  const uids = (await client.search({ header: { "X-Mailsla-Probe": "" } }, { uid: true })) || [];
  const msgs = uids.length
    ? await client.fetchAll(uids, { headers: ["x-mailsla-probe"] }, { uid: true })
    : [];
  return msgs.map((m) =>
    m
      .headers!.toString()
      .replace(/^x-mailsla-probe:\s*/i, "")
      .trim(),
  );
}

const probeMessage = (token: string, vantage: string, date = Date.now()) =>
  buildProbeMessage({
    token,
    delivery: "in",
    vantage,
    from: "mailsla@remote.test",
    to: stack.users.probe2.user,
    date,
  });

describe("loss (7.1.12)", () => {
  it("a message the MTA drops is in flight, ageing, until its loss timeout makes it lost", async () => {
    const clock = shiftableClock();
    const config = stackConfig(stack, (raw) => {
      raw.deliveries = raw.deliveries.map((d) => ({ ...d, lossTimeout: "1h" }));
    });
    const t = await runner({ config, clock });
    const release = await deferTransport(stack, "lmtp");
    cleanup.push(release);
    const sent = await t.send("in");
    await stack.postsuper(["-d", "ALL"]);
    clock.advance(30 * 60_000);
    const half = await t.registry.metrics();
    expect(half).toMatch(/mailsla_delivery_inflight_oldest_age_seconds\{delivery="in",[^}]*\} 180\d/);
    expect(t.results).toEqual([]);
    clock.advance(30 * 60_000 + 1000);
    const r = await t.result(sent.token, 5000);
    expect(r).toMatchObject({ outcome: "lost", delivery: "in", direction: "receive" });
    expect(r.ageSeconds).toBeGreaterThanOrEqual(3600);
    expect(await t.registry.metrics()).toMatch(/mailsla_delivery_lost_total\{delivery="in",[^}]*\} 1/);
    figures.push(`dropped message: lost after ${r.ageSeconds} s (injected clock)`);
  });
});

describe("mailbox hygiene", () => {
  it("a probe filed in Junk is spam, not delivered, and is deleted from Junk", async () => {
    const client = await probe2();
    await client.mailboxCreate("Junk").catch(() => undefined);
    const t = await runner({ tuning: { junkCheckMs: 200 } });
    const release = await deferTransport(stack, "lmtp");
    cleanup.push(release);
    const sent = await t.send("in");
    await stack.postsuper(["-d", "ALL"]); // the "spam filter" took it: it lands in Junk instead
    await client.append("Junk", probeMessage(sent.token, "a"));
    const r = await t.result(sent.token);
    expect(r).toMatchObject({ outcome: "spam", clock: "monotonic" });
    await waitFor("Junk to be empty", async () => {
      const status = await client.status("Junk", { messages: true });
      return status !== false && status.messages === 0;
    });
    figures.push(`spam: delay ${r.delaySeconds} bound ${r.errorBoundSeconds} (${r.detection})`);
  });

  it("stale probes are deleted; another agent's recent probe is left to it", async () => {
    const client = await probe2();
    const [stale, theirs, theirsOld] = [newToken(), newToken(), newToken()];
    await client.append("INBOX", probeMessage(stale, "a"));
    await client.append("INBOX", probeMessage(theirs, "other"));
    await client.append("INBOX", probeMessage(theirsOld, "other", Date.now() - 13 * 3_600_000));
    const t = await runner();
    await client.mailboxOpen("INBOX");
    const left = () => probeTokens(client);
    await waitFor("the stale probes to be gone", async () => (await left()).length === 1);
    expect(await left()).toEqual([theirs]);
    expect(t.results).toEqual([]);
    await client.messageDelete({ all: true });
  });
});

describe("deleting delivered probes", () => {
  const DELETE_BATCH = DEFAULT_TUNING.deleteBatch;
  it(`deletes them ${DELETE_BATCH} at a time while probes flow, and at the keep-alive once quiet`, async () => {
    const client = await probe2();
    await client.mailboxOpen("INBOX");
    const t = await runner();
    const batch: string[] = [];
    for (let i = 0; i < DELETE_BATCH; i++) {
      const sent = await t.send("in");
      expect(await t.result(sent.token)).toMatchObject({ outcome: "delivered" });
      batch.push(sent.token);
    }
    await waitFor("the batch to be deleted", async () => {
      const left = await probeTokens(client);
      return batch.every((token) => !left.includes(token));
    });
    await t.runner.stop();

    // quiet: no further probe fills the batch; the keep-alive NOOP after idleRenewMs deletes it
    const quiet = await runner({ tuning: { idleRenewMs: 500 } });
    await quiet.runner.ready();
    const sent = await quiet.send("in");
    expect(await quiet.result(sent.token)).toMatchObject({ outcome: "delivered" });
    await waitFor(
      "the single message to be deleted",
      async () => !(await probeTokens(client)).includes(sent.token),
    );
    expect(quiet.results).toHaveLength(1);
  });
});

describe("Dovecot restarted mid-watch", () => {
  it("a message delivered right before the restart is found by the SEARCH after reconnecting", async () => {
    const t = await runner({ tuning: { burst: false } });
    const witness = maildirWitness(stack.maildir("probe2"));
    cleanup.push(() => witness.close());
    const sent = await t.send("in");
    // stop Dovecot as soon as the message is in the Maildir, before its IDLE notification (~0.5 s)
    const landed = await witness.seen(sent.token);
    await stack.stopDovecot();
    const stoppedAfter = performance.now() - landed;
    await sleep(1000);
    await stack.startDovecot();
    const r = await t.result(sent.token);
    const truth = (landed - sent.sentMono) / 1000;
    expect(r).toMatchObject({ outcome: "delivered", detection: "imap-search" });
    expect(truth).toBeLessThanOrEqual(r.delaySeconds!);
    expect(r.delaySeconds! - r.errorBoundSeconds!).toBeLessThanOrEqual(truth);
    figures.push(
      `Dovecot killed ${stoppedAfter.toFixed(0)} ms after delivery: delay ${r.delaySeconds} bound ${r.errorBoundSeconds} (${r.detection}), witness ${truth.toFixed(4)}`,
    );
  });
});

describe("a refused hand-over", () => {
  it("is a send-failed result with the code and stage, nothing left in flight", async () => {
    process.env.MAILSLA_T_WRONG = "not-the-password";
    const config = stackConfig(stack, (raw) => {
      raw.accounts.wrong = { username: stack.users.probe1.user, password: { env: "MAILSLA_T_WRONG" } };
      const sub = raw.services.find((s) => (s as { name: string }).name === "sub")!;
      raw.services.push({ ...sub, name: "sub-wrong", account: "wrong" });
      raw.deliveries.push({ name: "out-wrong", direction: "send", via: "sub-wrong", vantagePoints: ["a"] });
    });
    const state = openAgentState(":memory:");
    cleanup.push(() => state.close());
    const t = await runner({ config, state });
    const outcome = await t.runner.sendNow("out-wrong");
    expect("failed" in outcome && outcome.failed.error).toMatchObject({ code: "auth", stage: "auth" });
    expect(state.outbox.pending(10).map((r) => (r.payload as { outcome: string }).outcome)).toEqual([
      "send-failed",
    ]);
    expect(state.db.prepare("SELECT count(*) AS n FROM delivery_inflight").get()).toEqual({ n: 0 });
  });
});

describe("an agent killed with messages in flight", () => {
  it("loses none, counts none twice, and matches late arrivals on the wall clock", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "mailsla-restart-")), "state.db");
    await stack.postconf({ defer_transports: "lmtp smtp" });
    cleanup.push(() => stack.postconf({ defer_transports: "" }));
    const before = openAgentState(file);
    const first = await testRunner({
      config: stackConfig(stack),
      vantage: "a",
      state: before,
      bootId: "boot-1",
    });
    const tokens = [];
    for (const name of ["in", "rt", "out"]) tokens.push((await first.send(name)).token);
    await first.runner.stop(); // killed: watchers and sink gone, nothing reported
    before.close();
    expect(first.results).toEqual([]);

    const after = openAgentState(file);
    cleanup.push(() => after.close());
    const t = await runner({ state: after, bootId: "boot-2" });
    await stack.postconf({ defer_transports: "" });
    await stack.flushQueue();
    for (const token of tokens) {
      const r = await t.result(token);
      expect(r).toMatchObject({ outcome: "delivered", clock: "wall" });
      expect(r.errorBoundSeconds).toBeGreaterThanOrEqual(1);
      figures.push(
        `after restart, ${r.delivery}: delay ${r.delaySeconds} bound ${r.errorBoundSeconds} (${r.clock})`,
      );
    }
    // the same messages seen again (a redelivery, a copy left behind) are not counted again
    const client = await probe2();
    await client.append("INBOX", probeMessage(tokens[0]!, "a"));
    await redeliverToSink(tokens[2]!, t.runner.sinkAddress!);
    await sleep(1000);
    expect(t.results.map((r) => r.token).sort()).toEqual([...tokens].sort());
    const outbox = after.outbox.pending(100).filter((r) => r.type === "delivery");
    expect(outbox.map((r) => (r.payload as { token: string }).token).sort()).toEqual([...tokens].sort());
    expect(after.db.prepare("SELECT count(*) AS n FROM delivery_inflight").get()).toEqual({ n: 0 });
  });
});

/** What an MTA retrying a delivery does: connects to the sink again with the same recipient. */
async function redeliverToSink(token: string, sink: { host: string; port: number }): Promise<void> {
  const dialog = await SmtpDialog.connect({ ...sink, signal: AbortSignal.timeout(5000) });
  await dialog.banner();
  await dialog.ehlo("mx.probe.test");
  await dialog.mailFrom(stack.users.probe1.user);
  await dialog.rcptTo(`${token}@remote.test`);
  await dialog.data(probeMessage(token, "a"));
  await dialog.quit();
}
