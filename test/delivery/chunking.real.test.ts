/**
 * Probe messages to a server that offers CHUNKING and PIPELINING (the test stack's Postfix) go as
 * `BDAT n LAST` in the same write as MAIL and RCPT: no DATA, no 354, no dot-stuffing. A loopback
 * tap between the agent and the real Postfix records what the agent wrote; the Maildir shows what
 * arrived, byte for byte. A refused RCPT fails at its stage and delivers nothing, and the next
 * message still goes through.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../contract/clock.js";
import { handOver, HandOverError, type HandOver } from "../../probes/delivery/send.js";
import { SmtpPool } from "../../probes/delivery/smtp-pool.js";
import { HostLimits } from "../../probes/net/host-limits.js";
import { startTcpTap, type TcpTap } from "../helpers/tcp-tap.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { waitFor } from "../stack/proc.js";

let stack: MailStack;
let tap: TcpTap;
const limits = new HostLimits({ connections: 2, loginsPerSecond: 100 });
const pool = new SmtpPool(limits);

beforeAll(async () => {
  stack = await startMailStack();
  tap = await startTcpTap(stack.host, stack.ports.smtp);
});
afterAll(async () => {
  pool.close();
  await tap?.close();
  await stack?.stop();
});

function send(to: string, message: string): ReturnType<typeof handOver> {
  const service = { kind: "smtp", name: "mx", host: "127.0.0.1", port: tap.port, tls: { mode: "none" } };
  return handOver({
    service: service as HandOver["service"],
    ...{ from: "probe@sink.test", to, message, clock: systemClock },
    ...{ ehloName: "agent.test", timeoutMs: 10_000, limits, pool },
    beforeData: () => undefined,
  });
}

/** The delivered messages in probe1's Maildir/new whose text contains `marker`. */
function delivered(marker: string): string[] {
  const dir = join(stack.maildir("probe1"), "new");
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), "latin1"))
    .filter((t) => t.includes(marker));
}

describe("a server offering CHUNKING", () => {
  it("takes each message as BDAT LAST in one write with its envelope, byte for byte", async () => {
    const to = stack.users.probe1.user;
    const bodies = [1, 2, 3].map(
      (i) => `Subject: chunk ${i}\n\nline one\n.starts with a dot\n..two dots\nend ${i}\n`,
    );
    const accepted = [];
    for (const body of bodies) accepted.push(await send(to, body));
    expect(accepted.every((a) => /^250 /.test(a.reply) && a.queueId)).toBe(true);
    const written = tap.written();
    // no DATA command: each transaction is MAIL, RCPT and BDAT with the exact CRLF byte count
    expect(written).not.toMatch(/^DATA\r\n/m);
    for (const body of bodies) {
      const payload = body.replace(/\n/g, "\r\n");
      const command = `MAIL FROM:<probe@sink.test>\r\nRCPT TO:<${to}>\r\nBDAT ${payload.length} LAST\r\n${payload}`;
      expect(written).toContain(command);
    }
    expect((written.match(/^EHLO /gm) ?? []).length).toBe(1); // one session for the three
    for (const i of [1, 2, 3]) {
      const [text] = await waitFor(`message ${i} in the Maildir`, () => {
        const found = delivered(`end ${i}\r\n`).concat(delivered(`end ${i}\n`));
        return found.length > 0 ? found : undefined;
      });
      const lines = text!.split(/\r?\n/);
      expect(lines).toContain(".starts with a dot");
      expect(lines).toContain("..two dots");
    }
  });

  it("a refused recipient fails at RCPT, nothing of it is delivered, and the next message goes", async () => {
    const err = await send("nobody@probe.test", "Subject: refused\n\nrefused-marker\n").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HandOverError);
    expect((err as HandOverError).failure).toMatchObject({
      stage: "rcpt",
      code: "smtp-5xx",
      responseCode: 550,
    });
    const after = await send(stack.users.probe1.user, "Subject: after\n\nafter-marker\n");
    expect(after.reply).toMatch(/^250 /);
    await waitFor("the message after the refusal", () =>
      delivered("after-marker").length ? true : undefined,
    );
    expect(delivered("refused-marker")).toEqual([]);
  });
});
