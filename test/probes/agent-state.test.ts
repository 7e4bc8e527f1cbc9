import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openAgentState } from "../../probes/state/agent-state.js";

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
