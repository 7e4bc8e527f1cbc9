/**
 * Issue 10's "done when", on the real stack: Postfix + Dovecot, three probe agents and the
 * collector, all on loopback. Dovecot is stopped; the incident the engine declares must name imap
 * and pop3 (and submission, once Postfix's SASL, which Dovecot serves, fails) with the error codes
 * the agents saw, the vantage points that confirmed them, on the admin API, the public status page
 * and the monthly report (model, text, HTML and PDF).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatherReport } from "../../collector/report/gather.js";
import { manualOf, reportInput } from "../../collector/report/ledger-source.js";
import { buildReport } from "../../collector/report/model.js";
import { renderReport } from "../../collector/report/render.js";
import { startCollector, type RunningCollector } from "../../collector/server.js";
import { matchIncident } from "../../collector/sla/anchors.js";
import { monthOf } from "../../collector/sla/calendar.js";
import type { IncidentReport } from "../../collector/sla/reports.js";
import { parseConfigText } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { createLogger } from "../../contract/log.js";
import { startAgent } from "../../probes/agent.js";
import { stackConfig, type StackConfig } from "../helpers/stack-config.js";
import { htmlText, pdfText } from "../report/helpers.js";
import { startMailStack, type MailStack } from "../stack/mail-stack.js";
import { allocatePorts } from "../stack/ports.js";
import { waitFor } from "../stack/proc.js";
import { Teardown } from "./pipeline.js";

const teardown = new Teardown();
let stack: MailStack;
let config: Readonly<Config>;
let services: StackConfig["services"];
let collector: RunningCollector;
let adminToken: string;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mailsla-incidents-"));
  teardown.add("temporary directory", () => rmSync(dir, { recursive: true, force: true }));
  stack = await startMailStack();
  teardown.add("mail stack", () => stack.stop());
  const lease = await allocatePorts(1);
  teardown.add("collector port", () => lease.release());
  const generated = stackConfig(stack, {
    stateDir: dir,
    collector: { listen: `127.0.0.1:${lease.ports[0]}`, dataDir: path.join(dir, "collector") },
    envPrefix: "MAILSLA_INCIDENTS",
  });
  for (const [name, value] of Object.entries(generated.env)) {
    process.env[name] = value;
    teardown.add(`env ${name}`, () => delete process.env[name]);
  }
  adminToken = generated.env.MAILSLA_INCIDENTS_ADMIN_TOKEN!;
  config = parseConfigText(generated.yaml, "incident names stack config");
  services = generated.services;
  const log = createLogger("incidents", "silent");
  collector = await startCollector(config, { log });
  teardown.add("collector", () => collector.close());
  for (const { name: vantage } of config.vantagePoints) {
    const statePath = path.join(dir, `agent-${vantage}.sqlite`);
    const agent = await startAgent({ config, vantage, log, listen: "127.0.0.1:0", statePath });
    teardown.add(`agent ${vantage}`, () => agent.stop({ abort: true }));
  }
}, 120_000);

afterAll(() => teardown.run(), 60_000);

async function api(
  url: string,
  init: { method: string; body: unknown } | undefined = undefined,
): Promise<unknown> {
  const r = await fetch(`${collector.address}${url}`, {
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    ...(init ? { method: init.method, body: JSON.stringify(init.body) } : {}),
  });
  if (r.status !== 200) throw new Error(`${url} answered ${r.status}: ${await r.text()}`);
  return r.json();
}

/** Every service has passed from every vantage point since `since`. */
async function allPassingSince(since: number): Promise<boolean> {
  const checks = await collector.store.results.checks({ from: since, to: Date.now() + 1 });
  return Object.values(services).every((service) =>
    config.vantagePoints.every((v) =>
      checks.some((c) => c.service === service && c.vantage === v.name && c.ok),
    ),
  );
}

/** The current month's incident that names `names` with an error code each, from the API. */
async function incidentNaming(names: readonly string[]): Promise<IncidentReport | undefined> {
  const body = (await api("/api/v1/incidents")) as { incidents: IncidentReport[] };
  return body.incidents.find((i) =>
    names.every((n) =>
      i.services.some((s) => s.service === n && s.code !== null && s.vantagePoints.length >= 2),
    ),
  );
}

describe("a stopped Dovecot, named on every surface", () => {
  it("the incident names imap, pop3 and submission with their error codes: API, page and report", async () => {
    const started = Date.now();
    await waitFor("every check passing from three vantage points", () => allPassingSince(started), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const stopping = Date.now();
    await stack.stopDovecot();
    const both = await waitFor(
      "an incident naming imap and pop3",
      () => incidentNaming([services.imap, services.pop3]),
      {
        timeoutMs: 30_000,
        intervalMs: 250,
      },
    );
    const namedAfter = Date.now() - stopping;
    // the operator notes the cause at once; results still arriving may move the incident's start
    const cause = { cause: "Dovecot stopped by the test" };
    await api(`/api/v1/incidents/${both.id}/annotation`, { method: "PATCH", body: cause });
    const all = await waitFor(
      "the incident naming submission too, once SASL fails",
      () => incidentNaming([services.imap, services.pop3, services.submission]),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // the same incident, though late results may have moved its start (and id) since
    expect(matchIncident(both.id, both.end ?? Date.now(), [all], Date.now())).toBe(all);
    const listed = (await api("/api/v1/incidents")) as {
      incidents: (IncidentReport & { annotation: { cause?: string } | null })[];
      orphans: unknown[];
    };
    expect(listed.incidents.find((i) => i.id === all.id)?.annotation).toMatchObject(cause);
    expect(listed.orphans).toEqual([]);

    const byName = new Map(all.services.map((s) => [s.service, s]));
    for (const name of [services.imap, services.pop3]) {
      const s = byName.get(name)!;
      // The first error is whatever Dovecot's shutdown did to the check running then (a refused
      // connection, a session cut, a login its dying auth process refused): exactly the ledger's
      for (const v of s.vantagePoints) {
        const [row] = await collector.store.results.checks({
          from: v.start,
          to: v.start + 1,
          service: name,
          vantage: v.vantage,
        });
        expect([v.code, v.stage], `${name} from ${v.vantage}`).toEqual([row!.code, row!.stage]);
      }
      expect(s.vantagePoints.map((v) => [v.code, v.stage])).toContainEqual([s.code, s.stage]);
      // ... and once it is gone, nothing listens on its ports: the newest failure is "connect"
      for (const { name: vantage } of config.vantagePoints) {
        const rows = await collector.store.results.checks({
          from: Date.now() - 3000,
          to: Date.now() + 1,
          service: name,
          vantage,
        });
        expect(rows.at(-1), `${name} from ${vantage}`).toMatchObject({
          ok: false,
          code: "connect",
          stage: "connect",
        });
      }
      expect(s.vantagePoints.length, name).toBeGreaterThanOrEqual(config.thresholds.quorum);
      expect(s.start).toBeGreaterThanOrEqual(stopping - 1000);
    }
    const submission = byName.get(services.submission)!;
    // Postfix without its SASL server: AUTH not offered, or refused for now
    expect(["auth-unavailable", "smtp-4xx", "auth"]).toContain(submission.code);
    expect(byName.has(services.smtp)).toBe(false); // Postfix itself stayed up
    const sla = (await api("/api/v1/sla")) as { incidents: IncidentReport[] };
    // what broke, as the SLA API has it too (minutes and ends move on while the outage lasts)
    const named = (i: IncidentReport | undefined) =>
      i?.services.map((x) => [x.service, x.code, x.stage, x.vantagePoints.map((v) => v.vantage).sort()]);
    expect(named(sla.incidents.find((i) => i.id === all.id))).toEqual(named(all));

    // the public status page: one row per service, with its code and the vantage points
    const page = await (await fetch(`${collector.address}/status.json`)).json();
    const incidents = htmlText((page as { sections: { incidents: string } }).sections.incidents);
    for (const s of [byName.get(services.imap)!, byName.get(services.pop3)!, submission]) {
      expect(incidents).toContain(
        `${s.service} ${s.code} at ${s.stage}, from ${s.vantagePoints.map((v) => v.vantage).join(", ")}`,
      );
    }

    // the monthly report, read from the ledger as `mailsla report` does
    const now = Date.now();
    const month = monthOf(now, config.operator.timeZone);
    const source = {
      input: await reportInput(collector.store, config, month, now),
      manual: await manualOf(collector.store, month),
      operator: { name: config.operator.name },
    };
    const model = buildReport(gatherReport(source, month, now));
    const row = model.incidents.find((i) => i.id === all.id)!;
    expect(row.services.map((s) => [s.service, s.code])).toEqual(
      expect.arrayContaining(
        [services.imap, services.pop3, services.submission].map((n) => [n, byName.get(n)!.code]),
      ),
    );
    const out = await renderReport(model, new Date(now));
    for (const [format, text] of [
      ["text", out.text],
      ["html", htmlText(out.html)],
      ["pdf", pdfText(out.pdf)],
    ] as const) {
      for (const name of [services.imap, services.pop3, services.submission]) {
        const line = text
          .split("\n")
          .find((l) => new RegExp(`\\b${name}\\b`).test(l) && l.includes(byName.get(name)!.code!));
        expect(line, `${format}: ${name}`).toBeDefined();
      }
    }
    console.log(
      `stopped Dovecot: imap and pop3 named after ${(namedAfter / 1000).toFixed(1)} s ` +
        `(first id ${both.id}, now ${all.id}); ` +
        all.services
          .map(
            (s) =>
              `${s.service} ${s.code}/${s.stage} from ${s.vantagePoints.map((v) => v.vantage).join(",")}`,
          )
          .join("; "),
    );
    await stack.startDovecot();
  });
});
