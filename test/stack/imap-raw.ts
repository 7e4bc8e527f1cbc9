/**
 * A minimal IMAP client for the stack's own set-up (creating Cyrus mailboxes as the admin): tagged
 * commands on a plain loopback connection, each required to end in `OK`. Exists so set-up does not
 * depend on the client library under test.
 */
import net from "node:net";

/**
 * Sends each command in turn after the greeting and resolves with every line the server sent; a
 * command answered with NO or BAD rejects, naming it (the first command's password is masked).
 */
export function imapCommands(
  host: string,
  port: number,
  commands: readonly string[],
  timeoutMs = 10_000,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const lines: string[] = [];
    let buf = "";
    let step = -1; // -1: waiting for the greeting
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    const next = (): void => {
      step += 1;
      if (step < commands.length) socket.write(`t${step} ${commands[step]}\r\n`);
      else {
        socket.end("z LOGOUT\r\n");
        resolve(lines);
      }
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`IMAP ${host}:${port}: no answer in ${timeoutMs} ms`)));
    socket.on("error", fail);
    socket.on("data", (chunk: Buffer) => {
      buf += chunk.toString("latin1");
      for (let nl = buf.indexOf("\r\n"); nl >= 0; nl = buf.indexOf("\r\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        lines.push(line);
        if (step === -1 && line.startsWith("* ")) next();
        else if (step >= 0 && step < commands.length && line.startsWith(`t${step} `)) {
          if (!/^t\d+ OK/i.test(line)) {
            const shown = step === 0 ? commands[step]!.split(" ").slice(0, 2).join(" ") : commands[step];
            fail(new Error(`IMAP ${host}:${port}: "${shown}" answered: ${line}`));
            return;
          }
          next();
        }
      }
    });
  });
}
