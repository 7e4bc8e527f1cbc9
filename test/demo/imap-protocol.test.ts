import { describe, expect, it } from "vitest";
import { parseFetchItems } from "../../demo/imap-fetch.js";
import { CommandReader, ImapError, sequenceSet, splitCommand, tokenize } from "../../demo/imap-protocol.js";

/** Feeds chunks to a reader and records what it emits. */
function read(chunks: string[]): { commands: string[]; continues: number; tooLong: number } {
  const out = { commands: [] as string[], continues: 0, tooLong: 0 };
  const reader = new CommandReader(
    (text) => out.commands.push(text),
    () => out.continues++,
    () => out.tooLong++,
  );
  for (const c of chunks) reader.push(Buffer.from(c, "latin1"));
  return out;
}

describe("CommandReader", () => {
  it("splits pipelined commands and keeps a partial one for later", () => {
    expect(read(["a1 NOOP\r\na2 CAPA", "BILITY\r\n"]).commands).toEqual(["a1 NOOP", "a2 CAPABILITY"]);
  });

  it("asks once for a synchronizing literal and includes its bytes, CRLF and all", () => {
    const r = read(["a1 LOGIN {5}\r\n", "us\r\n", "r pass\r\n"]);
    expect(r).toEqual({ commands: ["a1 LOGIN {5}\r\nus\r\nr pass"], continues: 1, tooLong: 0 });
  });

  it("does not ask for a LITERAL+ literal", () => {
    expect(read(["a1 LOGIN {4+}\r\nuser pass\r\n"])).toEqual({
      commands: ["a1 LOGIN {4+}\r\nuser pass"],
      continues: 0,
      tooLong: 0,
    });
  });

  it("gives up on a command over 1 MiB", () => {
    expect(read([`a1 LOGIN {${2 * 1024 * 1024}}\r\n`]).tooLong).toBe(1);
    expect(read(["x".repeat(1024 * 1024 + 1)]).tooLong).toBe(1);
  });
});

describe("tokenize", () => {
  it("reads atoms, quoted strings with escapes, literals and nested lists", () => {
    expect(tokenize('INBOX "a \\"b\\" \\\\c" {3}\r\nx y (FLAGS (\\Seen))')).toEqual([
      "INBOX",
      'a "b" \\c',
      "x y",
      ["FLAGS", ["\\Seen"]],
    ]);
  });

  it("keeps a bracketed section with spaces in one atom", () => {
    expect(tokenize("1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.100>)")).toEqual([
      "1:*",
      ["UID", "BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]<0.100>"],
    ]);
  });

  it("refuses unbalanced parentheses and unterminated strings with BAD", () => {
    for (const bad of ["(a b", "a)", '"abc']) {
      expect(() => tokenize(bad)).toThrow(ImapError);
    }
  });
});

describe("splitCommand", () => {
  it("separates tag, command and UID prefix", () => {
    expect(splitCommand("a1 uid fetch 1:* FLAGS")).toEqual({
      tag: "a1",
      name: "FETCH",
      uid: true,
      rest: "1:* FLAGS",
    });
    expect(splitCommand("a2 NOOP")).toEqual({ tag: "a2", name: "NOOP", uid: false, rest: "" });
    expect(splitCommand("a3")).toEqual({ tag: "a3", error: "Missing or invalid command" });
    expect(splitCommand("")).toBeUndefined();
  });
});

describe("sequenceSet", () => {
  it("reads numbers, ranges either way round and *", () => {
    const inSet = sequenceSet("2,4:5,9:*", 10);
    expect([1, 2, 3, 4, 5, 6, 9, 10].filter(inSet)).toEqual([2, 4, 5, 9, 10]);
    expect([1, 2, 3, 4].filter(sequenceSet("3:1", 4))).toEqual([1, 2, 3]);
    expect([7].filter(sequenceSet("8:*", 7))).toEqual([7]);
  });

  it("refuses garbage with BAD", () => {
    expect(() => sequenceSet("1:2:3", 5)).toThrow(ImapError);
    expect(() => sequenceSet("a", 5)).toThrow(ImapError);
  });
});

describe("parseFetchItems", () => {
  it("names BODY.PEEK items without .PEEK and keeps the partial origin", () => {
    expect(parseFetchItems(["UID", "BODY.PEEK[HEADER]<0.10>"])).toEqual([
      { kind: "UID" },
      {
        kind: "BODY",
        name: "BODY[HEADER]<0>",
        section: { part: "HEADER", fields: [] },
        peek: true,
        start: 0,
        length: 10,
      },
    ]);
  });

  it("refuses items it does not implement rather than guess", () => {
    expect(() => parseFetchItems("ENVELOPE")).toThrow(/Unsupported FETCH item/);
    expect(() => parseFetchItems("BODY[1.MIME]")).toThrow(/Unsupported section/);
  });
});
