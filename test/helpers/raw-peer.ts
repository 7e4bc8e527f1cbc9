import net from "node:net";

/**
 * A loopback peer that runs `script` on each connection: for servers that misbehave on purpose.
 * Returns its port; its close, which also ends the connections still open, is pushed onto `closers`.
 */
export async function rawPeer(
  closers: (() => Promise<void>)[],
  script: (socket: net.Socket) => void,
): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    script(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return (server.address() as net.AddressInfo).port;
}
