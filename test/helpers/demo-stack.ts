/**
 * What the test stacks composed like `mailsla run` share (test/dashboards/stack.ts,
 * test/status/stack.ts): the demo configuration with a shortened check interval, and a temporary
 * directory with the list of stops that tears a stack down in reverse.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseConfigText } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { demoConfigYaml } from "../../demo/config.js";
import type { DemoTarget } from "../../demo/target.js";

/** Options of {@link demoStackConfig}. */
export interface DemoStackConfigOptions {
  /** The collector's listen address, e.g. 127.0.0.1:23456. */
  readonly collectorListen: string;
  readonly dataDir: string;
  /** The agent's check interval in place of the demo's 10 s, e.g. "2s". */
  readonly interval: string;
  /** Lines appended to the configuration (they continue its last section, the collector's). */
  readonly extra?: string;
  /** Service entries ("  - { ... }" lines) added at the top of the demo's `services` list. */
  readonly services?: string;
  /** The name parse errors give the configuration. */
  readonly source: string;
}

/** The demo configuration on `target` with the agent listening on a free port and `o`'s interval. */
export function demoStackConfig(target: DemoTarget, o: DemoStackConfigOptions): Readonly<Config> {
  const { collectorListen, dataDir, interval } = o;
  const yaml = demoConfigYaml(target, { agentListen: "127.0.0.1:0", collectorListen, dataDir }).replace(
    /^ {2}interval: 10s$/m,
    `  interval: ${interval}`,
  );
  if (!yaml.includes(`  interval: ${interval}`))
    throw new Error("demo configuration changed: no agent interval of 10s");
  if (o.services !== undefined && !/^services:\n/m.test(yaml))
    throw new Error("demo configuration changed: no top-level services list");
  const withServices =
    o.services === undefined ? yaml : yaml.replace(/^services:\n/m, `services:\n${o.services}`);
  return parseConfigText(
    o.extra === undefined ? withServices : `${withServices.trimEnd()}\n${o.extra}`,
    o.source,
  );
}

/** A stack's temporary directory and its stops: `stop` runs them in reverse, the directory's removal last. */
export interface StackTeardown {
  readonly dir: string;
  readonly stops: (() => Promise<unknown> | void)[];
  stop(): Promise<void>;
}

/** Makes a temporary directory named from `prefix` and the list of stops that ends with removing it. */
export function stackTeardown(prefix: string): StackTeardown {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const stops: (() => Promise<unknown> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  return { dir, stops, stop };
}
