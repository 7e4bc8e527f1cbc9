import { setFlagsFromString } from "node:v8";

/**
 * Keeps V8 from flushing the agent's compiled code while it idles between probes. A delivery
 * runner runs the same code once per probe, minutes apart; in between V8's memory reducer runs full
 * collections that flush the bytecode of every function not run since (it flushes eagerly when
 * reducing memory), so each probe compiled its code again: lazily on the event loop, and optimised
 * once more on V8's worker threads. In the delivery bench (docs/benchmarks-delivery.md) that was
 * about a third of the agent's CPU per probe. The flag is read at every collection, so setting it
 * here, at run time, holds however the agent is started (systemd unit, container, `mailsla run`,
 * the benches), unlike `--no-memory-reducer`, which only the node command line can set. The cost is
 * memory: the bytecode of code that ran once stays (a few MB), the memory reducer still runs.
 */
export function keepCompiledCode(): void {
  setFlagsFromString("--no-flush-bytecode");
}
