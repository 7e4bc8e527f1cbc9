/**
 * The operator's outbound IPs as the sink sees them: every address the operator's MTAs connected
 * from to deliver a probe message this agent sent. Exists so the `dnsbl` check (`sinkPeers: true`)
 * also looks up the IPs really used for outbound mail, not only the ones the operator listed.
 * Process-wide and bounded: the most recent {@link MAX_PEERS} addresses.
 */

/** How many addresses are remembered (the oldest seen is forgotten first). */
export const MAX_PEERS = 64;

const peers = new Map<string, number>();

/** Notes that `ip` delivered a probe message at `at` (ms). */
export function noteSinkPeer(ip: string, at: number): void {
  if (!ip) return;
  peers.delete(ip);
  peers.set(ip, at);
  if (peers.size > MAX_PEERS) peers.delete(peers.keys().next().value!);
}

/** The addresses seen, oldest first. */
export function sinkPeers(): string[] {
  return [...peers.keys()];
}
