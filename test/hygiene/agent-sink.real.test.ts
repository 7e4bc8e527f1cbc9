/**
 * The sender-auth check wired into a real probe agent: its send delivery goes through the test
 * stack's Postfix to the agent's sink, and the message is judged (Knot as the configured resolver)
 * into a check result on the agent's outbox path and metrics; mail for a token the agent never sent
 * is not judged (strangers cannot make the check report on their mail); the scheduler never runs it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../contract/log.js";
import type { ProbeResult } from "../../contract/result.js";
import { startAgent, type Agent } from "../../probes/agent.js";
import { newToken } from "../../probes/delivery/message.js";
import { exportPasswords, stackConfig } from "../delivery/harness.js";
import { promtoolCheckMetrics } from "../helpers/tools.js";
import { startDnsServer, type DnsServer } from "../stack/dns.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { sleep, waitFor } from "../stack/proc.js";

let stack: MailStack;
let dns: DnsServer;
let agent: Agent;
let dir: string;
const results: ProbeResult[] = [];

beforeAll(async () => {
  [stack, dns, dir] = await Promise.all([
    startMailStack(),
    startDnsServer({
      "probe.test": [
        { name: "probe.test", type: "TXT", value: "v=spf1 ip4:127.0.0.1 -all" },
        { name: "mx.probe.test", type: "A", value: "127.0.0.1" },
      ],
      "127.in-addr.arpa": [{ name: "1.0.0.127.in-addr.arpa", type: "PTR", value: "mx.probe.test." }],
      "bl.test": [{ name: "1.0.0.127.bl.test", type: "A", value: "127.0.0.2" }],
    }),
    mkdtemp(path.join(tmpdir(), "mailsla-hygiene-agent-")),
  ]);
  exportPasswords(stack);
  const config = stackConfig(stack, (raw) => {
    // no DKIM signer in this stack: DKIM and DMARC are reported, not required
    raw.services.push({
      name: "outbound-auth",
      kind: "sender-auth",
      require: ["spf", "ptr", "helo"],
      dns: { servers: [dns.server], timeout: "2s" },
      vantagePoints: ["a"],
    });
    // no configured address: only the IPs the operator's MTA delivered the send probes from
    raw.services.push({
      name: "blocklists",
      kind: "dnsbl",
      sinkPeers: true,
      lists: [{ zone: "bl.test", name: "Test BL" }],
      dns: { servers: [dns.server] },
      vantagePoints: ["a"],
    });
    raw.deliveries = raw.deliveries.filter((d) => (d as { name: string }).name === "out");
    raw.agent = { stateDir: dir, interval: "3s", timeout: "2s" };
  });
  agent = await startAgent({
    config,
    vantage: "a",
    log: createLogger("test", "silent"),
    listen: "127.0.0.1:0",
    sinks: [(r) => results.push(r)],
  });
}, 120_000);

afterAll(async () => {
  await agent?.stop({ abort: true });
  await Promise.allSettled([stack?.stop(), dns?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const judged = () => results.filter((r) => r.kind === "sender-auth");

describe("sender-auth in the agent", () => {
  it("judges the send probe's message at the sink: a check result, its metrics and the outbox", async () => {
    // the agent's own schedule sends at start too, so its first blocklist run may come before or
    // after that message reached the sink: with no peer yet it looks nothing up, else it finds the listing
    const first = await waitFor("a first dnsbl result", () => results.find((r) => r.kind === "dnsbl"));
    if (first.ok) expect(first).toMatchObject({ details: { addresses: 0, queries: 0 } });
    else expect(first.error?.message).toMatch(/^1 listing\(s\): 127\.0\.0\.1 on Test BL/);
    const sent = await agent.deliveries!.sendNow("out");
    expect(sent).toHaveProperty("token");
    const r = await waitFor("a sender-auth result", () => judged()[0], { timeoutMs: 20_000 });
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    expect(r).toMatchObject({ ok: true, check: "outbound-auth", vantage: "a" });
    expect(r.details).toMatchObject({ spf: "pass", ptr: "pass", helo: "pass", dkim: "none", dmarc: "none" });
    const metrics = await (await fetch(`${agent.url}/metrics`)).text();
    expect(metrics).toContain(
      'mailsla_hygiene_check_success{service="outbound-auth",kind="sender-auth",vantage="a"} 1',
    );
    expect(promtoolCheckMetrics(metrics).output).toBe("");
    // reputation, not availability: off the metrics the down and stale rules read
    expect(metrics).not.toMatch(/mailsla_check_\w+\{[^}]*service="outbound-auth"/);
    expect(metrics).toContain('mailsla_sender_auth_pass{service="outbound-auth",vantage="a",aspect="spf"} 1');
    expect(metrics).toContain(
      'mailsla_sender_auth_pass{service="outbound-auth",vantage="a",aspect="dkim"} 0',
    );
    const queued = agent.state.outbox.pending(10_000).map((o) => o.payload as ProbeResult);
    expect(queued.some((p) => p.id === r.id && p.kind === "sender-auth")).toBe(true);
  });

  it("looks the IP the send probe came from up in the blocklists (sinkPeers)", async () => {
    const listed = await waitFor("a dnsbl result naming the sink's peer", () =>
      results.find((r) => r.kind === "dnsbl" && !r.ok),
    );
    expect(listed.error).toMatchObject({ code: "listed", stage: "dnsbl" });
    expect(listed.error?.message).toMatch(/^1 listing\(s\): 127\.0\.0\.1 on Test BL \(127\.0\.0\.2 listed\)/);
  });

  it("does not judge mail for a token the agent never sent, and never schedules the check", async () => {
    const token = newToken();
    const transport = nodemailer.createTransport({
      host: stack.host,
      port: stack.ports.submission,
      requireTLS: true,
      auth: { user: stack.users.probe1.user, pass: stack.users.probe1.pass },
      tls: { ca: [stack.caPem], servername: stack.hostname },
    });
    try {
      await transport.sendMail({ from: stack.users.probe1.user, to: `${token}@remote.test`, text: "x" });
    } finally {
      transport.close();
    }
    const delivered = async () =>
      (await stack.maillog()).split("\n").some((l) => l.includes(token) && l.includes("status=sent"));
    await waitFor("the stranger's message at the sink", delivered);
    // every scheduled service has run by now; a scheduled sender-auth run would have failed as `internal`
    const scheduled = ["mx", "sub", "imap", "imap-p1", "pop", "blocklists"];
    await waitFor("a result of every scheduled service", () =>
      scheduled.every((name) => results.some((r) => r.check === name)),
    );
    await sleep(500);
    // one judgement per message the agent sent and saw arrive (its own schedule may send too), none more
    const arrived = () =>
      agent.state.outbox
        .pending(10_000)
        .filter((o) => o.type === "delivery" && (o.payload as { outcome?: string }).outcome === "delivered")
        .length;
    await waitFor("a judgement of every message the agent saw arrive", () => judged().length >= arrived());
    expect(judged().length).toBeLessThanOrEqual(arrived());
    expect(judged().map((r) => r.error?.code ?? "ok")).toEqual(judged().map(() => "ok"));
  });
});
