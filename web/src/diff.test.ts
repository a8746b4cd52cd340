import { describe, expect, it } from "vitest";
import { codePointToUtf16, diffWords, MAX_CELLS, tokenize } from "./diff";

function rebuild(parts: ReturnType<typeof diffWords>, side: "before" | "after"): string {
  const skip = side === "before" ? "insert" : "delete";
  return parts.filter((part) => part.op !== skip).map((part) => part.text).join("");
}

describe("diffWords", () => {
  it("keeps identical text as one equal part", () => {
    expect(diffWords("a b c", "a b c")).toEqual([{ op: "equal", text: "a b c" }]);
  });

  it("marks an inserted word", () => {
    expect(diffWords("explain the library", "explain the demo library")).toEqual([
      { op: "equal", text: "explain the " },
      { op: "insert", text: "demo " },
      { op: "equal", text: "library" },
    ]);
  });

  it("marks a deleted word and a replaced word", () => {
    expect(diffWords("please explain the old API", "explain the new API")).toEqual([
      { op: "delete", text: "please " },
      { op: "equal", text: "explain the " },
      { op: "delete", text: "old" },
      { op: "insert", text: "new" },
      { op: "equal", text: " API" },
    ]);
  });

  it("shows an appended block as an insertion after the draft", () => {
    const parts = diffWords("library context", 'Task: library context\n\n<passage id="1">x</passage>');
    expect(parts[0]).toEqual({ op: "insert", text: "Task: " });
    expect(parts[1]).toEqual({ op: "equal", text: "library context" });
    expect(parts[2]).toEqual({ op: "insert", text: '\n\n<passage id="1">x</passage>' });
  });

  it("handles empty sides", () => {
    expect(diffWords("", "new words")).toEqual([{ op: "insert", text: "new words" }]);
    expect(diffWords("old words", "")).toEqual([{ op: "delete", text: "old words" }]);
    expect(diffWords("", "")).toEqual([]);
  });

  it("always rebuilds both sides", () => {
    const cases = [
      ["the quick brown fox", "a quick red fox jumps"],
      ["x  y\n z", "x y z\n\n"],
      ["one two three two one", "two one two three"],
    ] as const;
    for (const [before, after] of cases) {
      const parts = diffWords(before, after);
      expect(rebuild(parts, "before")).toBe(before);
      expect(rebuild(parts, "after")).toBe(after);
    }
  });

  it("falls back to delete + insert beyond the size limit, still exact", () => {
    const side = Math.ceil(Math.sqrt(MAX_CELLS)) + 10;
    const before = Array.from({ length: side }, (_, i) => `a${i}`).join(" ");
    const after = Array.from({ length: side }, (_, i) => `b${i}`).join(" ");
    const parts = diffWords(`keep ${before}`, `keep ${after}`);
    expect(parts.map((part) => part.op)).toEqual(["equal", "delete", "insert"]);
    expect(rebuild(parts, "after")).toBe(`keep ${after}`);
  });

  it("tokenizes into words and whitespace", () => {
    expect(tokenize(" a  b\n")).toEqual([" ", "a", "  ", "b", "\n"]);
  });
});

describe("codePointToUtf16", () => {
  it("counts astral characters as one", () => {
    const text = "😀 key=AKIA";
    expect(text.slice(codePointToUtf16(text, 2), codePointToUtf16(text, 5))).toBe("key");
    expect(codePointToUtf16("abc", 10)).toBe(3);
  });
});
