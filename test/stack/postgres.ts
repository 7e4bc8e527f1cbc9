/**
 * A private PostgreSQL 15 for the tests (Debian's postgresql-15): `initdb` into a temporary directory
 * owned by the postgres user (initdb refuses root), `pg_ctl start` on a free loopback port with the
 * socket in the same directory, torn down afterwards. Each test takes a fresh database of its own
 * (`database()`), so tests share one server but no rows. Exists so the PostgreSQL ledger, replicas
 * and fault tests run against the real server, the way Postfix and Dovecot are started.
 */
import { existsSync } from "node:fs";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { allocatePorts, type PortLease } from "./ports.js";
import { run, userIds } from "./proc.js";

/** Where Debian's postgresql-15 puts its programs (not on PATH). */
export const PG_BIN = "/usr/lib/postgresql/15/bin";

/** A running private server. */
export interface PostgresServer {
  port: number;
  /** The superuser's URL of database `postgres`. */
  adminUrl: string;
  /** Its temporary directory (data/, log, socket); removed by stop(). */
  dir: string;
  /** A new empty database; resolves to its URL. */
  database(name?: string): Promise<string>;
  /** `pg_ctl stop -m fast`: connections are cut, as in a server restart. */
  halt(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** The server's log, for a failing test's message. */
  log(): Promise<string>;
  /** Stops the server, releases the port, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Throws, naming the package and the install script, when PostgreSQL 15 is not installed. */
export function requirePostgres(): void {
  for (const bin of ["initdb", "pg_ctl", "postgres"]) {
    if (!existsSync(path.join(PG_BIN, bin))) {
      throw new Error(
        `test PostgreSQL: ${PG_BIN}/${bin} is missing (Debian package postgresql-15); run: sudo bash scripts/install-deps.sh`,
      );
    }
  }
}

const USER = "mailsla";
let databases = 0;

/** How to start it: tests take the defaults; benchmarks ask for a durable server. */
export interface PostgresStartOptions {
  /**
   * fsync, synchronous_commit and full_page_writes on (PostgreSQL's defaults), so a commit waits
   * for the disk as in production: what ingest benchmarks need. Off by default (tests).
   */
  durable?: boolean;
  /** More `-c name=value` server settings (e.g. shared_buffers for a benchmark). */
  settings?: Readonly<Record<string, string>>;
}

/** Starts a private server; the caller stops it (afterAll). */
export async function startPostgres(o: PostgresStartOptions = {}): Promise<PostgresServer> {
  requirePostgres();
  const dir = await mkdtemp(path.join(os.tmpdir(), "pg-"));
  const { uid, gid } = await userIds("postgres");
  await chown(dir, uid, gid);
  let lease: PortLease | undefined;
  const as = (cmd: string, args: string[], timeoutMs = 60_000) =>
    run("runuser", ["-u", "postgres", "--", path.join(PG_BIN, cmd), ...args], { timeoutMs });
  const data = path.join(dir, "data");
  const logFile = path.join(dir, "log");
  let running = false;
  let stopped = false;
  try {
    await as("initdb", [
      "-D",
      data,
      "-U",
      USER,
      "--auth=trust",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
      "--no-sync",
    ]);
    lease = await allocatePorts(1);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const port = lease.ports[0]!;
  const options = [
    "-c listen_addresses=127.0.0.1",
    `-p ${port}`,
    `-k ${dir}`,
    // A test server: no fsync wait (the store's own durability is PostgreSQL's, tested by its makers);
    // a benchmark's waits for the disk as production does.
    ...(o.durable
      ? ["-c fsync=on", "-c synchronous_commit=on", "-c full_page_writes=on"]
      : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
    "-c max_connections=200",
    ...Object.entries(o.settings ?? {}).map(([k, v]) => `-c ${k}=${v}`),
  ].join(" ");
  const start = async () => {
    await as("pg_ctl", ["-D", data, "-o", options, "-l", logFile, "-w", "-t", "60", "start"]);
    running = true;
  };
  const halt = async () => {
    if (!running) return;
    running = false;
    await as("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
  };
  const adminUrl = `postgres://${USER}@127.0.0.1:${port}/postgres`;
  try {
    await start();
  } catch (err) {
    const log = await readFile(logFile, "utf8").catch(() => "");
    lease.release();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`test PostgreSQL did not start: ${(err as Error).message}\n${log}`, { cause: err });
  }
  return {
    port,
    adminUrl,
    dir,
    async database(name = `t${process.pid}_${++databases}`) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://${USER}@127.0.0.1:${port}/${name}`;
    },
    halt,
    start,
    log: () => readFile(logFile, "utf8").catch(() => ""),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await halt();
      } finally {
        lease!.release();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
