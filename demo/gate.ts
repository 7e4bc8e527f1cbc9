/**
 * The listening side of one demo service: a loopback TCP listener that owns every connection, so a
 * fault can be switched while the target runs and stop() can leave nothing behind. Protocol code
 * never listens itself; it receives accepted sockets from its gate.
 */
import net from "node:net";
import tls from "node:tls";
import { setTimeout as sleep } from "node:timers/promises";

/** The services of the demo target, one gate each. */
export const DEMO_SERVICES = ["smtp", "submission", "imap", "pop3", "webmail"] as const;
/** One service of the demo target. */
export type DemoService = (typeof DEMO_SERVICES)[number];

/** The faults a scripted demo can switch on, one service at a time. */
export const DEMO_FAULTS = ["none", "down", "slow", "refuse"] as const;
/**
 * How a service misbehaves: `down` drops every connection at once (and the ones already open),
 * `slow` answers only after a long delay, `refuse` answers with protocol errors.
 */
export type DemoFault = (typeof DEMO_FAULTS)[number];

/**
 * Hands an accepted connection to a protocol. Returns the socket to destroy when the connection must
 * go (the TLS wrap when there is one: a wrap is torn down from the top, never from below).
 */
export type Accept = (raw: net.Socket) => net.Socket;

/** How long a TLS handshake may take before an implicit-TLS service drops the connection. */
const HANDSHAKE_MS = 10_000;

/** One service's listener, its current fault and its open connections. */
export class ServiceGate {
  #fault: DemoFault = "none";
  readonly #open = new Map<net.Socket, net.Socket>();
  readonly #stopped = new AbortController();
  #server: net.Server | undefined;

  constructor(
    readonly service: DemoService,
    readonly slowMs: number,
  ) {}

  /** The fault in force; protocol code reads it at each step it could fail. */
  get fault(): DemoFault {
    return this.#fault;
  }

  /** Switches the fault; `down` also cuts the connections already open, as a crashed server would. */
  setFault(fault: DemoFault): void {
    this.#fault = fault;
    if (fault === "down") this.#dropAll();
  }

  /**
   * Starts listening on a free port of `host`, handing each connection to `accept`, and resolves with
   * the port. The protocol is given separately so it can be built with the gate it reads faults from.
   */
  listen(host: string, accept: Accept): Promise<number> {
    const server = net.createServer((raw) => this.#onConnection(raw, accept));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port: 0 }, () => {
        server.off("error", reject);
        server.on("error", () => undefined); // e.g. EMFILE on accept: drop that connection, keep serving
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  /**
   * Waits out the `slow` delay when that fault is on. Resolves false when the target stopped meanwhile,
   * so the caller answers nobody; callers holding a socket also check that it is still open.
   */
  async pause(): Promise<boolean> {
    if (this.#fault === "slow") {
      try {
        await sleep(this.slowMs, undefined, { signal: this.#stopped.signal, ref: false });
      } catch {
        return false;
      }
    }
    return !this.#stopped.signal.aborted;
  }

  /** Stops listening and cuts every open connection; resolves once the listener is closed. */
  close(): Promise<void> {
    this.#stopped.abort();
    const server = this.#server;
    const closed = new Promise<void>((resolve) =>
      server?.listening ? server.close(() => resolve()) : resolve(),
    );
    this.#dropAll();
    return closed;
  }

  #onConnection(raw: net.Socket, accept: Accept): void {
    raw.on("error", () => undefined);
    if (this.#fault === "down" || this.#stopped.signal.aborted) {
      raw.destroy();
      return;
    }
    const top = accept(raw);
    this.#open.set(raw, top);
    raw.once("close", () => this.#open.delete(raw));
  }

  #dropAll(): void {
    for (const [raw, top] of this.#open) {
      top.destroy();
      raw.destroy();
    }
    this.#open.clear();
  }
}

/**
 * Wraps an accepted socket in server-side TLS (implicit TLS, as on ports 993 and 995) and calls
 * `onSecure` once the handshake is done; a handshake that fails or stalls just drops the connection.
 */
export function acceptTls(
  raw: net.Socket,
  secureContext: tls.SecureContext,
  onSecure: (socket: tls.TLSSocket) => void,
): tls.TLSSocket {
  const socket = new tls.TLSSocket(raw, { isServer: true, secureContext });
  const timer = setTimeout(() => socket.destroy(), HANDSHAKE_MS);
  socket.on("error", () => socket.destroy());
  socket.once("close", () => clearTimeout(timer));
  socket.once("secure", () => {
    clearTimeout(timer);
    onSecure(socket);
  });
  return socket;
}
