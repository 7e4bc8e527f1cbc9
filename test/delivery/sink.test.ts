/**
 * The sink on its own, driven by the project's SMTP client over a real socket: the first message of a
 * connection is timed at the TCP accept (before smtp-server's ~100 ms greeting delay), a further message
 * on the same connection at its MAIL FROM, other domains are refused, and Received hops are kept. A
 * reused connection is driven here because Postfix's connection cache cannot be made to reuse one
 * deterministically in the test stack.
 */
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../contract/clock.js";
import { newToken } from "../../probes/delivery/message.js";
import { startSink, type RunningSink, type SinkArrival } from "../../probes/delivery/sink.js";
import { SmtpDialog } from "../../probes/net/smtp-dialog.js";
import { sleep, waitFor } from "../stack/proc.js";

let sink: RunningSink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

const message = (hop: string) =>
  `Received: from relay.example by ${hop} with ESMTP; Sun, 22 Nov 2026 03:04:05 +0000\r\nSubject: x\r\n\r\nbody\r\n`;

/** Starts the sink for sink.example.net on a free loopback port (closed after the test); its arrivals. */
async function startTestSink(): Promise<{ address: RunningSink["address"]; arrivals: SinkArrival[] }> {
  const arrivals: SinkArrival[] = [];
  sink = await startSink({
    listen: "127.0.0.1:0",
    domain: "sink.example.net",
    clock: systemClock,
    onArrival: (a) => arrivals.push(a),
  });
  return { address: sink.address, arrivals };
}

describe("the sink", () => {
  it("times the first message at the TCP accept, a further one at its MAIL FROM", async () => {
    const { address, arrivals } = await startTestSink();
    const [a, b] = [newToken(), newToken()];
    const connecting = performance.now();
    const dialog = await SmtpDialog.connect({ ...address, signal: AbortSignal.timeout(10_000) });
    await dialog.banner();
    const greeted = performance.now();
    await dialog.ehlo("mx.operator.example");
    await dialog.mailFrom("someone@operator.example");
    await dialog.rcptTo(`${a}@sink.example.net`);
    await dialog.data(message("mx1.operator.example"));
    await sleep(200);
    const secondMail = performance.now();
    await dialog.mailFrom("someone@operator.example");
    const refused = await dialog.send("RCPT TO:<victim@elsewhere.example>");
    await dialog.rcptTo(`postmaster@sink.example.net`);
    await dialog.rcptTo(`${b.toUpperCase()}@SINK.example.net`);
    await dialog.data(message("mx2.operator.example"));
    await dialog.quit();
    await waitFor("two arrivals", () => arrivals.length === 2);

    expect(refused.code).toBe(550);
    const [first, second] = arrivals as [SinkArrival, SinkArrival];
    expect(first).toMatchObject({ token: a, detection: "sink-connect" });
    expect(first.at.mono).toBeGreaterThanOrEqual(connecting);
    expect(greeted - first.at.mono).toBeGreaterThan(50); // before smtp-server's greeting delay
    expect(first.hops).toEqual([
      {
        from: "relay.example",
        by: "mx1.operator.example",
        with: "ESMTP",
        at: Date.UTC(2026, 10, 22, 3, 4, 5),
      },
    ]);
    expect(second).toMatchObject({ token: b, detection: "sink-mail" });
    expect(second.at.mono).toBeGreaterThanOrEqual(secondMail);
    expect(second.hops[0]?.by).toBe("mx2.operator.example");
  });

  it("reports a probe recipient even when the connection drops before the message is complete", async () => {
    const { address, arrivals } = await startTestSink();
    const token = newToken();
    const dialog = await SmtpDialog.connect({ ...address, signal: AbortSignal.timeout(10_000) });
    await dialog.banner();
    await dialog.ehlo("mx.operator.example");
    await dialog.mailFrom("");
    await dialog.rcptTo(`${token}@sink.example.net`);
    dialog.close();
    await waitFor("the arrival", () => arrivals.length === 1);
    expect(arrivals[0]).toMatchObject({ token, detection: "sink-connect", hops: [] });
  });
});
