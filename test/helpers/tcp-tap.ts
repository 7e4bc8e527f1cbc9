import net from "node:net";

/** One chunk a client wrote through the tap, with when it passed (this process's performance.now()). */
export interface TappedChunk {
  at: number;
  text: string;
}

/** A running tap: its port, what clients wrote so far, and its close. */
export interface TcpTap {
  port: number;
  /** Everything clients wrote, in order, as latin1 text. */
  written(): string;
  chunks(): readonly TappedChunk[];
  /**
   * Holds back the next client chunk that matches `pattern` (and all after it on that connection):
   * resolves once one is held, with the function that lets it and the rest through. A test makes
   * the real server answer a command later than it would, e.g. after a second message landed.
   */
  holdNext(pattern: RegExp): Promise<() => void>;
  close(): Promise<void>;
}

/**
 * A TCP relay on a free loopback port to a real server, keeping every byte its clients write: tests
 * read what the agent said on the wire (commands in one write, commands per probe) while the real
 * server answers. It changes nothing in either direction.
 */
export async function startTcpTap(host: string, port: number): Promise<TcpTap> {
  const chunks: TappedChunk[] = [];
  const sockets = new Set<net.Socket>();
  let hold: { pattern: RegExp; held: (release: () => void) => void } | undefined;
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    let queue: Buffer[] | undefined; // chunks held back, in order
    client.on("data", (d: Buffer) => {
      const text = d.toString("latin1");
      chunks.push({ at: performance.now(), text });
      if (!queue && hold?.pattern.test(text)) {
        const h = hold;
        hold = undefined;
        queue = [];
        h.held(() => {
          for (const b of queue!) upstream.write(b);
          queue = undefined;
        });
      }
      if (queue) queue.push(d);
      else upstream.write(d);
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    written: () => chunks.map((c) => c.text).join(""),
    chunks: () => chunks,
    holdNext: (pattern) => new Promise((held) => (hold = { pattern, held })),
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
