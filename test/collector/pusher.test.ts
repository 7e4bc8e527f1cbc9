import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../collector/store/index.js";
import { DeadLetters } from "../../probes/push/dead-letter.js";
import { startPusher, type Pusher, type PusherOptions } from "../../probes/push/pusher.js";
import { verdictOf } from "../../probes/push/verdict.js";
import { openAgentState, type AgentState } from "../../probes/state/agent-state.js";
import { allocatePorts, type PortLease } from "../stack/ports.js";
import {
  checkResult,
  resultSeries,
  T0,
  tempDir,
  testCollector,
  TOKENS,
  type TestCollector,
} from "./fixtures.js";

/** A logger that keeps what was logged, so "logged loudly" can be asserted. */
function captureLog() {
  const lines: { level: string; fields: unknown; msg: string }[] = [];
  const at = (level: string) => (fields: unknown, msg?: string) =>
    void lines.push({ level, fields, msg: msg ?? "" });
  const log = { info: at("info"), warn: at("warn"), error: at("error") } as unknown as PusherOptions["log"];
  return { log, lines };
}

/** A real collector listening on a fixed port, on a ledger file that outlives each instance. */
class CollectorOnPort {
  current?: TestCollector;
  constructor(
    readonly port: number,
    readonly file: string,
    readonly over: { maxBatch?: number } = {},
  ) {}
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  async start() {
    this.current = await testCollector({ store: openStore(this.file), ...this.over });
    await this.current.app.listen({ host: "127.0.0.1", port: this.port });
  }
  async stop() {
    await this.current?.close();
    this.current = undefined;
  }
  async counts() {
    const store = openStore(this.file);
    try {
      return await store.results.counts();
    } finally {
      await store.close();
    }
  }
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(over: { maxBatch?: number } = {}) {
  const lease: PortLease = await allocatePorts(1);
  const collector = new CollectorOnPort(lease.ports[0]!, join(tempDir(), "collector.sqlite"), over);
  const state: AgentState = openAgentState(join(tempDir("mailsla-agent-"), "agent.sqlite"));
  cleanup.push(
    () => lease.release(),
    () => collector.stop(),
    () => state.close(),
  );
  return { collector, state };
}

function pusher(state: AgentState, url: string, log: PusherOptions["log"], token: string = TOKENS.a): Pusher {
  const p = startPusher({
    state,
    url,
    token,
    log,
    batchSize: 50,
    minRetryDelay: 20,
    maxRetryDelay: 200,
    pollInterval: 20,
  });
  cleanup.push(() => p.stop());
  return p;
}

const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)),
  ]);

describe("pusher against a real collector", () => {
  it("keeps results while the collector is down and delivers each once it is back", async () => {
    const { collector, state } = await setup();
    const { log, lines } = captureLog();
    for (const r of resultSeries("a", 120)) state.outbox.add("check", r);
    const p = pusher(state, collector.url, log);
    await new Promise((r) => setTimeout(r, 200));
    expect(state.outbox.size()).toBe(120);
    expect(lines.some((l) => l.level === "warn" && l.msg.startsWith("collector unreachable"))).toBe(true);

    await collector.start();
    await within(5000, p.flush());
    expect(state.outbox.size()).toBe(0);
    expect((await collector.current!.store.results.counts()).checks).toBe(120);
    // the backlog is logged once as it starts and once as it ends; the retries between are debug
    expect(lines.filter((l) => l.msg.startsWith("collector unreachable"))).toHaveLength(1);
    expect(
      lines.filter((l) => l.level === "info" && l.msg.startsWith("collector reachable again")),
    ).toHaveLength(1);

    await collector.stop(); // down again: new results wait, then arrive
    for (const r of resultSeries("a", 30, T0 + 3_600_000)) state.outbox.add("check", r);
    await new Promise((r) => setTimeout(r, 100));
    expect(state.outbox.size()).toBe(30);
    await collector.start();
    await within(5000, p.flush());
    expect((await collector.counts()).checks).toBe(150);
    expect(p.stats).toMatchObject({ acknowledged: 150, quarantined: 0 });
  });

  it("quarantines a malformed record and another vantage's record, delivering the rest", async () => {
    const { collector, state } = await setup();
    await collector.start();
    const { log, lines } = captureLog();
    const good = resultSeries("a", 10);
    good.slice(0, 4).forEach((r) => state.outbox.add("check", r));
    state.outbox.add("check", { ...checkResult("a"), startedAt: "noon" });
    good.slice(4, 8).forEach((r) => state.outbox.add("check", r));
    state.outbox.add("check", checkResult("b"));
    good.slice(8).forEach((r) => state.outbox.add("check", r));
    const p = pusher(state, collector.url, log);
    await within(5000, p.flush());

    expect(state.outbox.size()).toBe(0);
    expect((await collector.current!.store.results.counts()).checks).toBe(10);
    const dead = new DeadLetters(state).list();
    expect(dead.map((d) => [d.status, d.code, d.message])).toEqual([
      [400, "MAILSLA_INVALID_BODY", "records[4].payload.startedAt: expected number, received string"],
      [
        403,
        "MAILSLA_VANTAGE_MISMATCH",
        'records[8].payload.vantage: "b" is not this agent\'s vantage point "a"',
      ],
    ]);
    expect((dead[0]!.payload as { startedAt: unknown }).startedAt).toBe("noon");
    expect(lines.filter((l) => l.level === "error" && l.msg.includes("quarantined"))).toHaveLength(2);
    expect(p.stats).toMatchObject({ acknowledged: 10, quarantined: 2 });
  });

  it("sends smaller batches after a 413 and delivers everything", async () => {
    const { collector, state } = await setup({ maxBatch: 7 });
    await collector.start();
    const { log, lines } = captureLog();
    for (const r of resultSeries("a", 60)) state.outbox.add("check", r);
    const p = pusher(state, collector.url, log);
    await within(5000, p.flush());
    expect((await collector.current!.store.results.counts()).checks).toBe(60);
    expect(new DeadLetters(state).count()).toBe(0);
    expect(lines.some((l) => l.msg.includes("sending smaller batches"))).toBe(true);
  });

  it("with a wrong token, logs loudly and keeps every record (no ack, no quarantine)", async () => {
    const { collector, state } = await setup();
    await collector.start();
    const { log, lines } = captureLog();
    for (const r of resultSeries("a", 5)) state.outbox.add("check", r);
    const p = pusher(state, collector.url, log, "stolen-or-typo");
    await new Promise((r) => setTimeout(r, 300));
    await p.stop();
    expect(state.outbox.size()).toBe(5);
    expect(new DeadLetters(state).count()).toBe(0);
    expect(lines.some((l) => l.level === "error" && l.msg.startsWith("collector refuses this agent"))).toBe(
      true,
    );
    expect((await collector.current!.store.results.counts()).checks).toBe(0);
  });
});

describe("pusher against a failing peer", () => {
  it("retries 5xx answers with growing delays and acknowledges only the 2xx", async () => {
    const { state } = await setup();
    const seen: number[] = [];
    let calls = 0;
    const server: Server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        seen.push(Date.now());
        const ok = ++calls > 4;
        res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
        res.end(JSON.stringify(ok ? { accepted: 3, duplicates: 0 } : { code: "MAILSLA_STORE_UNAVAILABLE" }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const { port } = server.address() as { port: number };
    for (const r of resultSeries("a", 3)) state.outbox.add("check", r);
    const p = startPusher({
      state,
      url: `http://127.0.0.1:${port}/`,
      token: "t",
      log: captureLog().log,
      minRetryDelay: 40,
      maxRetryDelay: 1000,
      pollInterval: 20,
    });
    cleanup.push(() => p.stop());
    await new Promise((r) => setTimeout(r, 120));
    expect(state.outbox.size()).toBe(3); // 503s acknowledge nothing
    await within(
      5000,
      (async () => {
        while (state.outbox.size() > 0) await new Promise((r) => setTimeout(r, 10));
      })(),
    );
    const gaps = seen.slice(1).map((t, i) => t - seen[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(20); // 40 ms, half jittered
    expect(gaps[2]).toBeGreaterThanOrEqual(80); // 160 ms, half jittered
    expect(p.stats).toMatchObject({ acknowledged: 3, failures: 4 });
  });

  it("finds a bad record a 400 did not name by sending one at a time, then batches again", async () => {
    const { state } = await setup();
    const batchSizes: number[] = [];
    const server: Server = createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () => {
        const { records } = JSON.parse(text) as { records: { payload: { check: string } }[] };
        batchSizes.push(records.length);
        const bad = records.some((r) => r.payload.check === "poison");
        res.writeHead(bad ? 400 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(bad ? { code: "SOME_PROXY" } : { accepted: records.length, duplicates: 0 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const { port } = server.address() as { port: number };
    const results = resultSeries("a", 12);
    results[2] = { ...results[2]!, check: "poison" };
    for (const r of results) state.outbox.add("check", r);
    const p = pusher(state, `http://127.0.0.1:${port}`, captureLog().log);
    await within(5000, p.flush());
    for (const r of resultSeries("a", 8)) state.outbox.add("check", r);
    await within(5000, p.flush());
    expect(new DeadLetters(state).list().map((d) => (d.payload as { check: string }).check)).toEqual([
      "poison",
    ]);
    expect(batchSizes).toEqual([12, 1, 1, 1, 9, 8]);
  });

  it("decides each answer: ack, retry, quarantine the named records, shrink", () => {
    expect(verdictOf(200, {}, 5)).toEqual({ kind: "ack" });
    expect(verdictOf(502, {}, 5)).toMatchObject({ kind: "retry", loud: false });
    expect(verdictOf(404, {}, 5)).toMatchObject({ kind: "retry", loud: true });
    expect(verdictOf(400, { code: "X", message: "m", records: [1, 9, -1, "2"] }, 5)).toEqual({
      kind: "quarantine",
      indices: [1],
      status: 400,
      code: "X",
      message: "m",
    });
    expect(verdictOf(400, {}, 5)).toMatchObject({ kind: "shrink", size: 1, isolate: true });
    expect(verdictOf(400, {}, 1)).toMatchObject({ kind: "quarantine", indices: [0] });
    expect(verdictOf(413, {}, 5)).toMatchObject({ kind: "shrink", size: 2, isolate: false });
    expect(verdictOf(413, {}, 1)).toMatchObject({ kind: "quarantine", indices: [0] });
    expect(verdictOf(403, {}, 5)).toMatchObject({ kind: "retry", loud: true });
  });
});

describe("pusher against a peer that resets oversized bodies", () => {
  it("halves at once instead of retrying the same body", async () => {
    // In-process peer: a real collector never resets, but a reverse proxy with a body limit may,
    // and a real server cannot be made to do it on cue.
    const limit = 6000;
    const requests: number[] = [];
    const peer = createServer((req, res) => {
      const length = Number(req.headers["content-length"]);
      requests.push(length);
      if (length > limit) {
        req.socket.resetAndDestroy();
        return;
      }
      let n = 0;
      req.on("data", (chunk: Buffer) => {
        const text = chunk.toString();
        n += (text.match(/"type":/g) ?? []).length;
      });
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ accepted: n, duplicates: 0 }));
      });
    });
    await new Promise<void>((r) => peer.listen(0, "127.0.0.1", r));
    cleanup.push(() => new Promise<void>((r) => peer.close(() => r())));
    const state = openAgentState(join(tempDir("mailsla-agent-"), "agent.sqlite"));
    cleanup.push(() => state.close());
    for (const r of resultSeries("a", 64)) state.outbox.add("check", r);
    const { log, lines } = captureLog();
    const port = (peer.address() as AddressInfo).port;
    const p = pusher(state, `http://127.0.0.1:${port}`, log);
    await within(5000, p.flush());
    expect(state.outbox.size()).toBe(0);
    expect(p.stats.failures).toBe(0); // no blind retry of a body that was reset
    const resets = requests.filter((b) => b > limit).length;
    expect(resets).toBeLessThanOrEqual(Math.ceil(Math.log2(64)));
    expect(lines.some((l) => l.msg.startsWith("collector refused the batch: sending smaller batches"))).toBe(
      true,
    );
  });
});

describe("pusher with a list of collector URLs", () => {
  it("fails over to the next collector at once, and back when the one in use goes away", async () => {
    const lease: PortLease = await allocatePorts(2);
    const file = join(tempDir(), "collector.sqlite");
    const a = new CollectorOnPort(lease.ports[0]!, file);
    const b = new CollectorOnPort(lease.ports[1]!, file); // replicas on one ledger
    const state = openAgentState(join(tempDir("mailsla-agent-"), "agent.sqlite"));
    cleanup.push(
      () => lease.release(),
      () => a.stop(),
      () => b.stop(),
      () => state.close(),
    );
    await b.start(); // a is down
    const { log, lines } = captureLog();
    // Backoff of a minute: only an immediate failover can deliver within the deadlines below.
    const p = startPusher({
      state,
      url: [a.url, b.url],
      token: TOKENS.a,
      log,
      minRetryDelay: 60_000,
      maxRetryDelay: 60_000,
      pollInterval: 20,
    });
    cleanup.push(() => p.stop());
    for (const r of resultSeries("a", 40)) state.outbox.add("check", r);
    await within(3000, p.flush());
    expect((await b.counts()).checks).toBe(40);
    expect(lines.some((l) => l.msg === "collector push failed: trying the next collector URL")).toBe(true);

    await b.stop();
    await a.start();
    for (const r of resultSeries("a", 30, T0 + 3_600_000)) state.outbox.add("check", r);
    await within(3000, p.flush());
    expect((await a.counts()).checks).toBe(70); // one ledger: every result stored once
    expect(p.stats).toMatchObject({ acknowledged: 70, quarantined: 0 });
  });
});
