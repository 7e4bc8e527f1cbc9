/**
 * The 7.1.15 sending-limit check against the real Postfix of the test stack, submitting with AUTH on
 * its submission port. Without a limit the whole burst is accepted (exactly `burst` messages reach
 * Postfix, no more) and the check fails with `no-send-limit`; with anvil's
 * smtpd_client_message_rate_limit = 3 the fourth MAIL FROM is answered 450 4.7.1 and the check
 * passes, reporting 3 accepted and the reply, having sent nothing after the throttle.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../../config/secret.js";
import { Service, type ServiceOf } from "../../config/services.js";
import { systemClock } from "../../contract/clock.js";
import { KINDS } from "../../probes/kinds/index.js";
import { runCheck, type RunDeps } from "../../probes/run-check.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { waitFor } from "../stack/proc.js";

let stack: MailStack;
let deps: RunDeps;

beforeAll(async () => {
  stack = await startMailStack();
  deps = {
    kinds: KINDS,
    clock: systemClock,
    vantage: "test",
    accounts: {
      limit: { username: stack.users.probe1.user, password: new Secret(stack.users.probe1.pass) },
    },
    ehloName: "agent.test",
  };
}, 120_000);
afterAll(() => stack?.stop());

function service(over: Record<string, unknown> = {}): ServiceOf<"sending-limit"> {
  return Service.parse({
    name: "limit",
    kind: "sending-limit",
    host: stack.host,
    port: stack.ports.submission,
    tls: { mode: "starttls", caFile: stack.caFile, servername: stack.hostname },
    account: "limit",
    recipient: stack.users.probe2.user,
    burst: 5,
    interval: "1d",
    ...over,
  }) as ServiceOf<"sending-limit">;
}

/** Message-IDs of burst messages Postfix's cleanup took in, from the log after `from` characters. */
async function burstIds(from: number): Promise<string[]> {
  const log = (await stack.maillog()).slice(from);
  return [...log.matchAll(/message-id=<(limit-[0-9a-f]+-\d+)\.mailsla@/g)].map((m) => m[1]!);
}

describe("sending-limit check (Postfix, anvil)", () => {
  it("refuses configurations that would burst too often or without bound", () => {
    expect(() => service({ interval: "30m" })).toThrow(/at least 1h/);
    expect(() => service({ burst: 1000 })).toThrow();
    expect(() => service({ interval: undefined })).toThrow();
  });

  it("without a limit the whole burst is accepted: no-send-limit, and not one message more", async () => {
    const before = (await stack.maillog()).length;
    const r = await runCheck(service(), 30_000, deps);
    expect(r.error).toMatchObject({ code: "no-send-limit", stage: "data" });
    expect(r.error?.message).toMatch(/^all 5 of 5 messages were accepted in [\d.]+ s without a throttle$/);
    const ids = await burstIds(before);
    expect(ids).toHaveLength(5);
    expect(new Set(ids.map((id) => id.split("-")[1])).size).toBe(1); // one run token
  });

  it("with smtpd_client_message_rate_limit = 3 it stops at the 450 and passes with 3 accepted", async () => {
    await stack.postconf({
      smtpd_client_message_rate_limit: "3",
      smtpd_client_event_limit_exceptions: "", // 127.0.0.1 is in mynetworks, exempt by default
      anvil_rate_time_unit: "60s",
    });
    try {
      const before = (await stack.maillog()).length;
      const r = await runCheck(service({ burst: 6, within: "3s" }), 30_000, deps);
      expect(r.error).toBeUndefined();
      expect(r).toMatchObject({
        ok: true,
        details: { accepted: 3, burst: 6, throttledAt: "mail", secure: true },
      });
      expect(String(r.details?.throttleReply)).toMatch(/^450 4\.7\.1 .*too much mail/i);
      expect(Number(r.details?.seconds)).toBeGreaterThanOrEqual(1.4); // spaced: 3 s / 6 per message
      expect(await burstIds(before)).toHaveLength(3);
      // Postfix's syslog line may land a moment after the 450 reached the check
      await waitFor("Postfix's rate-limit warning in its log", async () =>
        /Message delivery request rate limit exceeded/.test((await stack.maillog()).slice(before))
          ? true
          : undefined,
      );

      // the account is still throttled: the first message refused measures nothing
      const again = await runCheck(service(), 30_000, deps);
      expect(again.error).toMatchObject({ code: "smtp-4xx", stage: "mail", responseCode: 450 });
      expect(again.error?.message).toContain("the first message was refused");
    } finally {
      await stack.resetPostconf();
    }
  });
});
