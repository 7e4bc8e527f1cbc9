import type net from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../contract/clock.js";
import { handOver, HandOverError, type HandOver } from "../../probes/delivery/send.js";
import { SmtpPool } from "../../probes/delivery/smtp-pool.js";
import { HostLimits } from "../../probes/net/host-limits.js";

/**
 * Probe hand-overs reuse an SMTP session between messages (RFC 5321: a new transaction after a
 * completed DATA), with MAIL, RCPT and DATA in one write when PIPELINING is offered; a session the
 * server dropped while idle is never reused. An in-process smtp-server counts connections and
 * messages.
 */

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A peer that accepts every message, counting connections and messages (and their envelopes). */
async function peer(options: SMTPServerOptions = {}) {
  const seen = { connections: 0, messages: [] as { from: string; to: string[] }[] };
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    onConnect(_session, cb) {
      seen.connections += 1;
      cb();
    },
    onData(stream, session, cb) {
      stream.resume();
      stream.on("end", () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        seen.messages.push({ from, to: session.envelope.rcptTo.map((r) => r.address) });
        cb(null, "Ok: queued as 4ABC123");
      });
    },
    ...options,
  });
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as net.AddressInfo).port, seen };
}

function send(
  port: number,
  pool: SmtpPool | undefined,
  limits: HostLimits,
  to: string,
  bound: { timeoutMs?: number; signal?: AbortSignal } = {},
): ReturnType<typeof handOver> {
  const service = { kind: "smtp", name: "mx", host: "127.0.0.1", port, tls: { mode: "none" } };
  return handOver({
    service: service as HandOver["service"],
    ...{ from: "probe@sink.test", to, message: "Subject: probe\r\n\r\nbody\r\n", clock: systemClock },
    ...{ ehloName: "agent.test", timeoutMs: 5000, limits, pool, ...bound },
    beforeData: () => undefined,
  });
}

/** What a hand-over that must fail failed with. */
async function failure(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HandOverError);
  return (err as HandOverError).failure;
}

describe("a hand-over's bound", () => {
  it("a server that stops answering: a timeout at the stage reached, and the host's slot free again", async () => {
    const silent = await peer({ onMailFrom: () => undefined, closeTimeout: 100 }); // MAIL is never answered
    const { port, seen } = await peer();
    const limits = new HostLimits({ connections: 1, loginsPerSecond: 100 });
    const pool = new SmtpPool(limits);
    closers.push(() => pool.close());
    const f = await failure(send(silent.port, pool, limits, "a@box.test", { timeoutMs: 300 }));
    expect(f).toMatchObject({ code: "timeout", stage: "mail" });
    await send(port, pool, limits, "b@box.test"); // the only slot of 127.0.0.1 was given back
    expect(seen.messages).toHaveLength(1);
  });

  it("agent shutdown ends a hand-over in progress", async () => {
    const silent = await peer({ onMailFrom: () => undefined, closeTimeout: 100 });
    const limits = new HostLimits({ connections: 1, loginsPerSecond: 100 });
    const shutdown = new AbortController();
    const sending = send(silent.port, undefined, limits, "a@box.test", { signal: shutdown.signal });
    setTimeout(() => shutdown.abort(), 100);
    expect(await failure(sending)).toMatchObject({ code: "timeout" });
  });
});

describe("SMTP sessions kept between probe messages", () => {
  it("carries several messages on one connection, pipelined, each with its own 250 and queue id", async () => {
    const { port, seen } = await peer();
    const limits = new HostLimits({ connections: 2, loginsPerSecond: 100 });
    const pool = new SmtpPool(limits);
    closers.push(() => pool.close());
    const first = await send(port, pool, limits, "a@box.test");
    const second = await send(port, pool, limits, "b@box.test");
    const third = await send(port, pool, limits, "c@box.test");
    expect(seen.connections).toBe(1);
    expect(seen.messages.map((m) => m.to)).toEqual([["a@box.test"], ["b@box.test"], ["c@box.test"]]);
    expect([first, second, third].map((a) => a.queueId)).toEqual(["4ABC123", "4ABC123", "4ABC123"]);
    expect(second.at.mono).toBeGreaterThan(first.at.mono);
    expect(pool.size).toBe(1);
  });

  it("works one command at a time with a server that does not offer PIPELINING", async () => {
    const { port, seen } = await peer({ hidePIPELINING: true });
    const limits = new HostLimits({ connections: 2, loginsPerSecond: 100 });
    const pool = new SmtpPool(limits);
    closers.push(() => pool.close());
    await send(port, pool, limits, "a@box.test");
    await send(port, pool, limits, "b@box.test");
    expect(seen).toMatchObject({
      connections: 1,
      messages: [{ to: ["a@box.test"] }, { to: ["b@box.test"] }],
    });
  });

  it("without a pool, opens and closes a session per message", async () => {
    const { port, seen } = await peer();
    const limits = new HostLimits({ connections: 2, loginsPerSecond: 100 });
    await send(port, undefined, limits, "a@box.test");
    await send(port, undefined, limits, "b@box.test");
    expect(seen.connections).toBe(2);
    expect(seen.messages).toHaveLength(2);
  });

  it("replaces a session the server closed while it was idle, without asking the host to back off", async () => {
    // smtp-server answers "421 Timeout - closing connection" and hangs up after 300 ms of silence
    const { port, seen } = await peer({ socketTimeout: 300 });
    const limits = new HostLimits({ connections: 2, loginsPerSecond: 100 });
    const pool = new SmtpPool(limits);
    closers.push(() => pool.close());
    await send(port, pool, limits, "a@box.test");
    await new Promise((resolve) => setTimeout(resolve, 800));
    await send(port, pool, limits, "b@box.test");
    expect(seen.connections).toBe(2);
    expect(seen.messages).toHaveLength(2);
    expect(limits.pausedFor("127.0.0.1")).toBe(0);
  });

  it("hands a session to the next message waiting for the host's only slot", async () => {
    const { port, seen } = await peer();
    const limits = new HostLimits({ connections: 1, loginsPerSecond: 100 });
    const pool = new SmtpPool(limits);
    closers.push(() => pool.close());
    await Promise.all(["a", "b", "c"].map((x) => send(port, pool, limits, `${x}@box.test`)));
    expect(seen.messages).toHaveLength(3);
    expect(seen.connections).toBe(1);
    expect(pool.size).toBe(1);
  });

  it("keeps the host's sessions, idle or busy, within its limit: an idle one of another login makes room", async () => {
    const { port, seen } = await peer();
    const limits = new HostLimits({ connections: 1, loginsPerSecond: 100 });
    const pool = new SmtpPool(limits);
    closers.push(() => pool.close());
    await send(port, pool, limits, "a@box.test");
    const other = { kind: "smtp", name: "mx2", host: "127.0.0.1", port, tls: { mode: "none" } };
    await handOver({
      service: other as HandOver["service"],
      ...{ from: "probe@sink.test", to: "b@box.test", message: "x\r\n", clock: systemClock },
      ...{ ehloName: "agent.test", timeoutMs: 5000, limits, pool },
      beforeData: () => undefined,
    });
    expect(seen.connections).toBe(2);
    expect(pool.size).toBe(1); // mx's idle session was closed to make room for mx2's
  });
});
