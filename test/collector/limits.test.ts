/**
 * The collector's connection limits and admin-time bounds, over real sockets on loopback: idle
 * sockets, a header or a body sent a byte at a time, a flood of connections beyond the cap, an
 * oversized body (the client must read the 413, not a broken pipe), and maintenance windows with
 * times outside any calendar the report can print. Limits are set to a second or two so the test
 * takes seconds.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, TOKENS } from "./fixtures.js";
import { trustCollector, type TrustCollector } from "./trust.js";

let c: TrustCollector;
let port: number;
beforeAll(async () => {
  c = await trustCollector({
    limits:
      "{ idleTimeout: 1500ms, headersTimeout: 1s, requestTimeout: 2s, keepAliveTimeout: 1s, maxConnections: 8, maxWindow: 2d }",
  });
  port = Number(new URL(c.url).port);
});
afterAll(async () => {
  await c.close();
});

/** A raw socket to the collector, and the moment (performance.now) it was closed by the other side. */
function rawSocket(): Promise<{ socket: Socket; closed: Promise<number>; data: () => string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (text += d));
    const closed = new Promise<number>((r) => socket.on("close", () => r(performance.now())));
    socket.once("error", () => undefined);
    socket.once("connect", () => resolve({ socket, closed, data: () => text }));
    socket.once("error", reject);
  });
}

const within = <T>(ms: number, p: Promise<T>, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);

describe("connection limits", () => {
  it("closes a socket that says nothing", async () => {
    const t0 = performance.now();
    const s = await rawSocket();
    const at = await within(6000, s.closed, "idle socket closed");
    expect(at - t0).toBeGreaterThan(900);
  });

  it("cuts headers sent a byte at a time", async () => {
    const s = await rawSocket();
    const line = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100);
    let i = 0;
    const drip = setInterval(() => {
      if (!s.socket.destroyed && i < line.length) s.socket.write(line[i++]!);
    }, 50);
    try {
      await within(6000, s.closed, "slow headers cut");
    } finally {
      clearInterval(drip);
    }
    expect(s.data()).toMatch(/^$|^HTTP\/1\.1 408/);
  });

  it("cuts a body sent at a few bytes a second", async () => {
    const s = await rawSocket();
    s.socket.write(
      `POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.a}\r\n` +
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
    );
    const drip = setInterval(() => {
      if (!s.socket.destroyed) s.socket.write(" ");
    }, 200);
    try {
      await within(8000, s.closed, "slow body cut");
    } finally {
      clearInterval(drip);
    }
    expect(s.data()).toMatch(/^$|^HTTP\/1\.1 408/);
  });

  it("refuses connections beyond the cap at once, and serves again once idle ones are closed", async () => {
    const held = await Promise.all(Array.from({ length: 8 }, () => rawSocket()));
    const extra = await rawSocket().catch(() => undefined);
    // Refused at once: well before any timeout (the shortest, headersTimeout, is 1 s) could close it.
    if (extra) await within(300, extra.closed, "connection beyond the cap refused");
    await Promise.all(held.map((h) => within(6000, h.closed, "held socket closed")));
    const res = await fetch(`${c.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it("answers an oversized body with a 413 the client reads, every time", async () => {
    const body = JSON.stringify({ records: [], pad: "x".repeat(2 * 1024 * 1024) });
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      try {
        const res = await fetch(`${c.url}/api/v1/ingest`, {
          method: "POST",
          headers: { ...bearer(TOKENS.a), "content-type": "application/json" },
          body,
        });
        outcomes.push(`${res.status} ${((await res.json()) as { code: string }).code}`);
      } catch (err) {
        outcomes.push(String((err as Error).cause ?? err));
      }
    }
    expect(outcomes).toEqual(Array(8).fill("413 MAILSLA_BODY_TOO_LARGE"));
  });
});

describe("admin times", () => {
  const hour = 3_600_000;
  const soon = Date.now() + 48 * hour;
  it.each([
    ["a start before the JavaScript calendar", { start: -8.64e15, end: soon }, "start"],
    ["an end at 2^53 - 1", { start: soon, end: 2 ** 53 - 1 }, "end"],
    ["a window in year 9999", { start: "9999-01-01T00:00:00Z", end: "9999-01-01T02:00:00Z" }, "start"],
    ["a window longer than maxWindow", { start: soon, end: soon + 72 * hour }, "end"],
    ["an end before the start", { start: soon, end: soon - hour }, "end"],
    [
      "an announcement after the end",
      { start: soon - 60 * hour, end: soon - 59 * hour, announcedAt: Date.now() },
      "announcedAt",
    ],
    [
      "a description with an escape sequence",
      { start: soon, end: soon + hour, description: "\u001b[2J" },
      "description",
    ],
  ])("refuses %s, naming the field", async (_what, body, field) => {
    const before = await c.admin("GET", "/api/v1/maintenance");
    const r = await c.admin("POST", "/api/v1/maintenance", body);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.message).toMatch(new RegExp(`^${field}`));
    expect((await c.admin("GET", "/api/v1/maintenance")).body).toEqual(before.body);
  });

  it("takes a sane window and prints its notice in hours", async () => {
    const r = await c.admin("POST", "/api/v1/maintenance", { start: soon, end: soon + hour });
    expect(r.status).toBe(201);
    expect(r.body.noticeHours).toBeGreaterThan(47);
    expect(r.body.noticeHours).toBeLessThan(49);
    const page = await (await fetch(c.url + "/")).text();
    expect(page).not.toContain("Invalid DateTime");
  });

  it("shows an operator's markup as text on the public page", async () => {
    const description = '<img src=x onerror="alert(1)"> & upgrade';
    const r = await c.admin("POST", "/api/v1/maintenance", {
      start: soon + 2 * hour,
      end: soon + 3 * hour,
      description,
    });
    expect(r.status).toBe(201);
    await new Promise((res) => setTimeout(res, 1100)); // the page reuses its view for up to a second
    const page = await (await fetch(c.url + "/")).text();
    expect(page).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; upgrade");
    expect(page).not.toContain("<img src=x");
  });
});
