/**
 * Free loopback TCP ports for test daemons. Ports are picked at random below Linux's ephemeral range
 * (so no outgoing connection or `listen(0)` can take them meanwhile), checked by binding, and reserved
 * with a lock file per port so that stacks started in parallel test workers never share a port.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { isAlive } from "./proc.js";

/** Ports handed out by {@link allocatePorts}; release() gives them back (idempotent). */
export interface PortLease {
  ports: number[];
  release(): void;
}

const LOW = 20_000;
const HIGH = 32_000; // Linux ephemeral ports start at 32768 by default
const LOCK_DIR = path.join(os.tmpdir(), "mailsla-ports");

/**
 * Reserves `count` distinct loopback ports that nothing listens on now. Exists because daemons take
 * fixed ports from their config files, so "listen on 0" cannot be used and ports must be chosen up front.
 */
export async function allocatePorts(count: number): Promise<PortLease> {
  mkdirSync(LOCK_DIR, { recursive: true, mode: 0o1777 });
  const ports: number[] = [];
  const release = (): void => {
    for (const port of ports.splice(0)) unlock(port);
  };
  try {
    for (let tries = 0; ports.length < count; tries++) {
      if (tries > count * 50) throw new Error(`could not find ${count} free loopback ports`);
      const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
      if (ports.includes(port) || !tryLock(port)) continue;
      if (await isBindable(port)) ports.push(port);
      else unlock(port);
    }
  } catch (err) {
    release();
    throw err;
  }
  return { ports: [...ports], release };
}

/** Resolves true if 127.0.0.1:port can be bound right now. */
export function isBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function lockFile(port: number): string {
  return path.join(LOCK_DIR, String(port));
}

/**
 * Creates the port's lock file holding our pid (written aside, then hard-linked into place, so nobody
 * ever reads a half-written lock); a lock left by a dead process is taken over.
 */
function tryLock(port: number): boolean {
  const tmp = `${lockFile(port)}.${process.pid}.tmp`;
  writeFileSync(tmp, String(process.pid));
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(tmp, lockFile(port));
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        if (!lockIsStale(port)) return false;
        unlock(port);
      }
    }
    return false;
  } finally {
    unlinkSync(tmp);
  }
}

function lockIsStale(port: number): boolean {
  try {
    const owner = Number(readFileSync(lockFile(port), "utf8"));
    return !Number.isInteger(owner) || owner <= 0 || !isAlive(owner);
  } catch {
    return true;
  }
}

function unlock(port: number): void {
  try {
    unlinkSync(lockFile(port));
  } catch {
    // already gone
  }
}
