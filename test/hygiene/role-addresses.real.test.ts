/**
 * The role-address check against the real Postfix of the test stack: postmaster@ and abuse@ of the
 * hosted domain accepted at RCPT pass (nothing is sent: the session ends before DATA); an MX that
 * refuses postmaster@ fails with `role-address-refused`, naming the address and the reply.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Service, type ServiceOf } from "../../config/services.js";
import { systemClock } from "../../contract/clock.js";
import { KINDS } from "../../probes/kinds/index.js";
import { runCheck, type RunDeps } from "../../probes/run-check.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";

let stack: MailStack;
const deps: RunDeps = {
  kinds: KINDS,
  clock: systemClock,
  vantage: "test",
  accounts: {},
  ehloName: "agent.test",
};
const ALIASES = "inline:{ postmaster@probe.test=probe1@probe.test, abuse@probe.test=probe1@probe.test }";

beforeAll(async () => {
  stack = await startMailStack();
  await stack.postconf({ virtual_alias_maps: ALIASES });
}, 120_000);
afterAll(() => stack?.stop());

function service(): ServiceOf<"role-addresses"> {
  return Service.parse({
    name: "role-addresses",
    kind: "role-addresses",
    host: stack.host,
    port: stack.ports.smtp,
    tls: { mode: "starttls", caFile: stack.caFile, servername: stack.hostname },
    from: "mailsla@remote.test",
    domains: [stack.domain],
  }) as ServiceOf<"role-addresses">;
}

describe("role-addresses check (Postfix)", () => {
  it("passes when postmaster@ and abuse@ are accepted at RCPT, and sends nothing", async () => {
    const before = await stack.maillog();
    const r = await runCheck(service(), 10_000, deps);
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ ok: true, details: { accepted: 2, secure: true } });
    expect(r.phases).not.toHaveProperty("data");
    expect((await stack.maillog()).slice(before.length)).not.toMatch(/status=sent|delivered/);
  });

  it("fails with role-address-refused when the MX refuses postmaster@", async () => {
    await stack.postconf({
      smtpd_recipient_restrictions: "check_recipient_access inline:{ postmaster@probe.test=REJECT }",
    });
    try {
      const r = await runCheck(service(), 10_000, deps);
      expect(r.error).toMatchObject({ code: "role-address-refused", stage: "rcpt", responseCode: 554 });
      expect(r.error?.message).toMatch(/^1 refused: postmaster@probe\.test: 554/);
    } finally {
      await stack.postconf({ smtpd_recipient_restrictions: "" });
    }
  });

  it("fails when the address does not exist at all (no alias)", async () => {
    await stack.postconf({ virtual_alias_maps: "" });
    try {
      const r = await runCheck(service(), 10_000, deps);
      expect(r.error).toMatchObject({ code: "role-address-refused", stage: "rcpt", responseCode: 550 });
      expect(r.error?.message).toMatch(/^2 refused: postmaster@probe\.test: 550.*abuse@probe\.test: 550/);
    } finally {
      await stack.postconf({ virtual_alias_maps: ALIASES });
    }
  });
});
