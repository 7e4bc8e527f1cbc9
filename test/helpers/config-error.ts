import { expect } from "vitest";
import { ConfigError, parseConfigText } from "../../config/load.js";

/** Parses a configuration that must be refused, and returns the error message it raises. */
export function configErrorOf(text: string): string {
  try {
    parseConfigText(text, "test.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}
