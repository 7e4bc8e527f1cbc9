/**
 * Three collector replicas on one PostgreSQL, three agents pushing to the list of their URLs (issue
 * 13's fault test). The replicas are real processes (`mailsla collector`); the agents are the
 * agent's own outbox and pusher in the test process. Replica 1 is SIGKILLed again and again,
 * replica 2 once for good, replica 3 never; PostgreSQL is stopped once while the agents push. Every
 * result must be stored exactly once, counted id by id; the monthly report must be e-mailed once;
 * while PostgreSQL is down the replicas answer 503 on ingest and on /readyz; replica 3, which
 * cached the month before any result arrived, must answer the month as the others do.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../collector/store/postgres/index.js";
import { startRecorder } from "../report/smtp-peers.js";
import { allocatePorts } from "../stack/ports.js";
import { startPostgres } from "../stack/postgres.js";
import { CollectorProcess } from "./collector-process.js";
import { startAgents } from "./pushing-agents.js";
import { ADMIN, bearer, checkResult, tempDir, TOKENS } from "./fixtures.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
/** Results are of November 2026 (an ended month the API and the report can show whole). */
const NOV = Date.UTC(2026, 10, 10);

function replicaConfig(o: { url: string; dataDir: string; smtpPort: number }): string {
  return `
operator: { name: Test Mail, totalUsers: 1000, timeZone: UTC }
segments: [{ name: north, users: 600 }, { name: south, users: 400 }]
vantagePoints: [{ name: a }, { name: b }, { name: c }]
accounts:
  probe: { username: probe@example.net, password: { env: MAILSLA_TEST_PROBE_PASSWORD } }
services:
  - { name: mx, kind: smtp, host: 127.0.0.1 }
collector:
  dataDir: "${o.dataDir}"
  store: { postgres: { url: "${o.url}", poolSize: 4, connectTimeout: 2s } }
  agentTokens:
    a: { env: MAILSLA_TEST_TOKEN_A }
    b: { env: MAILSLA_TEST_TOKEN_B }
    c: { env: MAILSLA_TEST_TOKEN_C }
  adminToken: { env: MAILSLA_TEST_ADMIN_TOKEN }
report:
  recipients: [noc@example.net]
  from: "mailsla <sla@example.net>"
  smtp: { host: 127.0.0.1, port: ${o.smtpPort}, tls: { mode: none } }
  day: 1
  time: "00:00"
  archiveDir: "${join(o.dataDir, "reports")}"
`;
}

/** One replica: `mailsla collector` (the compiled CLI) on its own port and data directory. */
class Replica extends CollectorProcess {
  constructor(name: string, config: string, listen: string, log: string) {
    super(
      name,
      ["dist/cli/main.js", "collector", "--config", config, "--collector-listen", listen],
      `http://${listen}`,
      log,
    );
  }

  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  async get(path: string): Promise<{ status: number; body: string }> {
    const r = await fetch(`${this.url}${path}`, { headers: bearer(ADMIN) });
    return { status: r.status, body: await r.text() };
  }
}

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe("three collector replicas on one PostgreSQL", () => {
  it("store every result once through SIGKILLs and a PostgreSQL outage, send the report once, and agree", async () => {
    process.env.MAILSLA_TEST_PROBE_PASSWORD ??= "probe-password";
    const pg = await startPostgres();
    cleanup.push(() => pg.stop());
    const url = await pg.database();
    const smtp = await startRecorder();
    cleanup.push(() => smtp.close());
    const lease = await allocatePorts(3);
    cleanup.push(() => lease.release());
    const dir = tempDir();
    const replicas = lease.ports.map((port, i) => {
      const dataDir = join(dir, `replica${i + 1}`);
      const config = join(dir, `replica${i + 1}.yaml`);
      writeFileSync(config, replicaConfig({ url, dataDir, smtpPort: smtp.port }));
      return new Replica(`replica ${i + 1}`, config, `127.0.0.1:${port}`, join(dir, `replica${i + 1}.log`));
    });
    cleanup.push(() => Promise.all(replicas.map((r) => r.kill())));
    await Promise.all(replicas.map((r) => r.start()));
    const [one, two, three] = replicas as [Replica, Replica, Replica];

    // The report of November is due on all three at once: one sends it.
    const deadline = Date.now() + 60_000;
    while (smtp.messages.length === 0 && Date.now() < deadline) await sleep(100);
    expect(smtp.messages).toHaveLength(1);
    // Replica 3 computes (and caches) November before any result exists.
    const empty = JSON.parse((await three.get("/api/v1/sla?month=2026-11")).body);
    expect(empty.coverage.ratio).toBe(0);

    let at = NOV;
    const { agents, stopProducing, produced, close } = startAgents({
      dir,
      // Each agent starts on a different replica and fails over along the list.
      urls: (i) => [...replicas.slice(i), ...replicas.slice(0, i)].map((r) => r.url),
      next: () => ({ startedAt: (at += 1000), ok: at % 7 !== 0 }),
      everyMs: 5,
      maxRetryDelay: 200,
      requestTimeout: 3000,
    });
    cleanup.push(close);

    for (let k = 0; k < 4; k++) {
      await sleep(between(300, 800));
      await one.kill();
      if (k === 1) await two.kill(); // for good
      await sleep(between(50, 300));
      await one.start();
    }

    // PostgreSQL stops: ingest and readiness say so, the agents keep their results.
    await pg.halt();
    const refused = await fetch(`${three.url}/api/v1/ingest`, {
      method: "POST",
      headers: { ...bearer(TOKENS.a), "content-type": "application/json" },
      body: JSON.stringify({ records: [{ type: "check", payload: checkResult("a", { startedAt: NOV }) }] }),
    });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: "MAILSLA_STORE_UNAVAILABLE" });
    const ready = await three.get("/readyz");
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).conditions).toContainEqual(
      expect.objectContaining({ name: "ledger-write", ok: false }),
    );
    await sleep(1500);
    const spooled = agents.reduce((n, a) => n + a.state.outbox.size(), 0);
    expect(spooled).toBeGreaterThan(0);
    await pg.start();

    await sleep(between(300, 600));
    stopProducing();
    await Promise.all(agents.map((a) => a.pusher.flush()));
    expect((await three.get("/readyz")).status).toBe(200);

    const store = await openPostgresStore({ url });
    try {
      const { rows } = await store.pool.query<{ id: string }>("SELECT id FROM check_results");
      const stored = new Set(rows.map((r) => r.id));
      const all = produced();
      expect(rows).toHaveLength(all.length); // no id twice (it is the primary key), none extra
      expect(all.filter((id) => !stored.has(id))).toEqual([]);
      expect(all.length).toBeGreaterThan(1000);
    } finally {
      await store.close();
    }

    // Replica 3 (never restarted) and replica 1 (restarted) answer November alike, with every result.
    const months = await Promise.all(
      [one, three].map(async (r) => JSON.parse((await r.get("/api/v1/sla?month=2026-11")).body)),
    );
    expect(months[0].coverage.ratio).toBeGreaterThan(0);
    expect(months[1]).toEqual(months[0]);
    const lastPush = (text: string) =>
      text.split("\n").filter((l) => l.startsWith("mailsla_agent_last_push_timestamp_seconds{"));
    const [m1, m3] = await Promise.all(
      [one, three].map(async (r) => lastPush((await r.get("/metrics")).body)),
    );
    expect(m1).toHaveLength(3);
    expect(m3).toEqual(m1);
    expect(smtp.messages).toHaveLength(1);
  }, 240_000);
});
