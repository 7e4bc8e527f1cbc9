/**
 * The demo's files under its data directory, so a newcomer can drive it with the ordinary commands:
 * `mailsla.yaml` (the generated configuration, secrets as file references) and `secrets/` (one
 * file per secret, mode 0600, in a folder of mode 0700). Tokens survive restarts, so a command
 * printed by one run still works in the next; a token set in the environment wins.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  DEMO_ADMIN_TOKEN_ENV,
  DEMO_AGENT_TOKEN_ENV,
  DEMO_SECRET_FILES,
  demoConfigYaml,
  type DemoConfigOptions,
} from "./config.js";
import type { DemoTarget } from "./target.js";

/** Where the demo's files are, and the admin token it runs with. */
export interface DemoWorkspace {
  /** The data directory, absolute: ledger, agent state, configuration, secrets. */
  readonly dataDir: string;
  /** The generated configuration file. */
  readonly configFile: string;
  /** The file holding the collector's admin token (mode 0600). */
  readonly adminTokenFile: string;
  /** The admin token itself, for the demo's scripted maintenance step. */
  readonly adminToken: string;
}

/** Where the demo's agent and collector listen; the configuration records it. */
export type DemoListen = Pick<DemoConfigOptions, "agentListen" | "collectorListen">;

/**
 * Creates `dataDir` and writes the secrets and the configuration for `target`. The admin and agent
 * tokens come from MAILSLA_DEMO_ADMIN_TOKEN / MAILSLA_DEMO_AGENT_TOKEN when set, else from the
 * previous run's files, else they are random; the probe password is the target's.
 */
export function writeDemoWorkspace(
  target: DemoTarget,
  dataDir: string,
  listen: DemoListen,
  env: NodeJS.ProcessEnv = process.env,
): DemoWorkspace {
  const dir = resolve(dataDir);
  const secretsDir = join(dir, "secrets");
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  chmodSync(secretsDir, 0o700);
  const file = (name: keyof typeof DEMO_SECRET_FILES): string => join(secretsDir, DEMO_SECRET_FILES[name]);
  const token = (name: "adminToken" | "agentToken", variable: string): string =>
    env[variable] || previous(file(name)) || randomBytes(18).toString("base64url");
  const adminToken = token("adminToken", DEMO_ADMIN_TOKEN_ENV);
  writeSecret(file("adminToken"), adminToken);
  writeSecret(file("agentToken"), token("agentToken", DEMO_AGENT_TOKEN_ENV));
  writeSecret(file("password"), target.users.probe1.pass);
  const ws = {
    dataDir: dir,
    configFile: join(dir, "mailsla.yaml"),
    adminTokenFile: file("adminToken"),
    adminToken,
  };
  writeDemoConfig(target, ws, listen);
  return ws;
}

/** (Re)writes the workspace's configuration, e.g. once the real ports behind a port 0 are known. */
export function writeDemoConfig(target: DemoTarget, ws: DemoWorkspace, listen: DemoListen): void {
  const yaml = demoConfigYaml(target, {
    ...listen,
    dataDir: ws.dataDir,
    secretsDir: join(ws.dataDir, "secrets"),
  });
  writeFileSync(ws.configFile, yaml, { mode: 0o644 });
}

function previous(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8").trim() || undefined : undefined;
}

function writeSecret(path: string, value: string): void {
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // mode applies only when the file is created
}
