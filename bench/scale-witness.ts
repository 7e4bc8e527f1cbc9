import { Worker } from "node:worker_threads";
import { PROBE_HEADER } from "../probes/delivery/message.js";

/**
 * The true delivery time of every probe message of the scale bench: one thread of the bench
 * process watches the `new/` of every probe mailbox with inotify (Dovecot's LMTP renames each
 * message into it) and reads CLOCK_MONOTONIC first thing in the callback, then the probe token
 * from the file. The same independent clock as the delivery bench's witness (bench/delivery-common.ts),
 * for thousands of Maildirs at once; its event loop does nothing else, so a busy bench cannot make
 * a sighting late.
 */

const THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
const header = new RegExp("^" + workerData.header + ":[ \\\\t]*([a-z2-7]{26})", "im");
function tokenOf(dir, name) {
  let cur = [];
  for (const p of [path.join(dir, "new", name)]) {
    try { return header.exec(fs.readFileSync(p, "latin1").slice(0, 8192))?.[1]; } catch {}
  }
  try { cur = fs.readdirSync(path.join(dir, "cur")).filter((f) => f.startsWith(name)); } catch {}
  for (const f of cur) {
    try { return header.exec(fs.readFileSync(path.join(dir, "cur", f), "latin1").slice(0, 8192))?.[1]; } catch {}
  }
  return undefined;
}
const seen = new Set();
const watchers = workerData.dirs.map((dir) => fs.watch(path.join(dir, "new"), (_e, name) => {
  const at = process.hrtime.bigint();
  if (!name || name.startsWith(".") || seen.has(name)) return;
  seen.add(name);
  const token = tokenOf(dir, name);
  parentPort.postMessage({ at, token });
}));
parentPort.on("message", () => { for (const w of watchers) w.close(); parentPort.close(); });
parentPort.postMessage({ ready: true });
`;

/** Sightings by token, on CLOCK_MONOTONIC ms; unreadable messages (deleted before read) counted apart. */
export interface ScaleWitness {
  readonly seen: Map<string, number>;
  unreadable(): number;
  close(): Promise<void>;
}

/** Starts watching the `new/` of every Maildir in `maildirs`; resolves once every watch is set. */
export async function watchMaildirs(maildirs: readonly string[]): Promise<ScaleWitness> {
  const seen = new Map<string, number>();
  let unreadable = 0;
  const worker = new Worker(THREAD, { eval: true, workerData: { dirs: maildirs, header: PROBE_HEADER } });
  await new Promise<void>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m: { ready?: true; at?: bigint; token?: string }) => {
      if (m.ready) return resolve();
      if (m.token && m.at !== undefined) seen.set(m.token, Number(m.at) / 1e6);
      else unreadable += 1;
    });
  });
  return { seen, unreadable: () => unreadable, close: async () => void (await worker.terminate()) };
}
