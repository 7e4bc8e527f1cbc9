import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { DeadLetters } from "../../probes/push/dead-letter.js";
import { outboxMetrics } from "../../probes/push/metrics.js";
import { openAgentState } from "../../probes/state/agent-state.js";
import { promtoolCheckMetrics } from "../helpers/tools.js";

describe("agent state outbox", () => {
  it("keeps records across a reopen until they are acknowledged, in order", () => {
    const path = join(mkdtempSync(join(tmpdir(), "mailsla-state-")), "agent.db");
    const a = openAgentState(path);
    a.outbox.add("check", { id: 1 });
    a.outbox.add("delivery", { id: 2 });
    a.outbox.add("check", { id: 3 });
    a.close();

    const b = openAgentState(path);
    const pending = b.outbox.pending(10);
    expect(pending.map((r) => [r.type, r.payload])).toEqual([
      ["check", { id: 1 }],
      ["delivery", { id: 2 }],
      ["check", { id: 3 }],
    ]);
    b.outbox.ack([pending[0]!.seq, pending[1]!.seq]);
    expect(b.outbox.size()).toBe(1);
    b.close();

    const c = openAgentState(path);
    expect(c.outbox.pending(10).map((r) => r.payload)).toEqual([{ id: 3 }]);
    c.close();
  });

  it("a record added in a transaction that fails is not kept", () => {
    const s = openAgentState(":memory:");
    const tx = s.db.transaction(() => {
      s.outbox.add("check", { id: 1 });
      throw new Error("producer failed after adding");
    });
    expect(() => tx()).toThrow("producer failed");
    expect(s.outbox.size()).toBe(0);
    s.close();
  });
});

describe("outbox metrics", () => {
  it("export the records waiting, the dead letters and the oldest record's age; promtool accepts them", async () => {
    let now = 1_000_000;
    const dir = mkdtempSync(join(tmpdir(), "mailsla-state-"));
    const path = join(dir, "agent.db");
    // A state file made before queued_at existed: its records have no queueing time.
    const old = new Database(path);
    old.exec(
      "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, payload TEXT NOT NULL)",
    );
    old.prepare("INSERT INTO outbox (type, payload) VALUES ('check', '{}')").run();
    old.close();
    const state = openAgentState(path, () => now);
    try {
      const registry = new Registry();
      outboxMetrics(registry, state, () => now);
      const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]!.value;
      expect(await value("mailsla_agent_outbox_records")).toBe(1);
      expect(await value("mailsla_agent_outbox_oldest_age_seconds")).toBe(0); // unknown: not invented
      state.outbox.ack(state.outbox.pending(1).map((r) => r.seq));
      state.outbox.add("check", { id: 1 });
      now += 90_000;
      state.outbox.add("check", { id: 2 });
      now += 30_000;
      expect(await value("mailsla_agent_outbox_records")).toBe(2);
      expect(await value("mailsla_agent_outbox_oldest_age_seconds")).toBe(120);
      new DeadLetters(state).quarantine(
        state.outbox.pending(1),
        { status: 400, code: "X", message: "m" },
        now,
      );
      expect(await value("mailsla_agent_dead_letter_records")).toBe(1);
      expect(await value("mailsla_agent_outbox_oldest_age_seconds")).toBe(30);
      const check = promtoolCheckMetrics(await registry.metrics());
      expect(check.ok, check.output).toBe(true);
    } finally {
      state.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
