/**
 * A small word-level diff (longest common subsequence over words and the spaces between them),
 * for previewing what "Use optimized prompt" would change in the draft.
 */

export type DiffOp = "equal" | "insert" | "delete";

export interface DiffPart {
  op: DiffOp;
  text: string;
}

/** Above this many LCS cells the middle is shown as one deletion and one insertion. */
export const MAX_CELLS = 4_000_000;

/** Words and the runs of whitespace between them, in order; joined they give back `text`. */
export function tokenize(text: string): string[] {
  return text.split(/(\s+)/).filter((token) => token !== "");
}

function push(parts: DiffPart[], op: DiffOp, text: string): void {
  if (!text) return;
  const last = parts[parts.length - 1];
  if (last && last.op === op) last.text += text;
  else parts.push({ op, text });
}

/**
 * The parts that turn `before` into `after`: equal parts appear in both, deleted parts only in
 * `before`, inserted parts only in `after`. Adjacent parts of the same kind are merged.
 */
export function diffWords(before: string, after: string): DiffPart[] {
  const a = tokenize(before);
  const b = tokenize(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }

  const parts: DiffPart[] = [];
  push(parts, "equal", a.slice(0, start).join(""));
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_CELLS) {
    push(parts, "delete", a.slice(start, endA).join(""));
    push(parts, "insert", b.slice(start, endB).join(""));
  } else {
    // lengths[i * (m + 1) + j]: LCS of a[start + i..endA) and b[start + j..endB).
    const width = m + 1;
    const lengths = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i * width + j] =
          a[start + i] === b[start + j]
            ? lengths[(i + 1) * width + j + 1]! + 1
            : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i] === b[start + j]) {
        push(parts, "equal", a[start + i]!);
        i++;
        j++;
      } else if (i < n && (j === m || lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!)) {
        push(parts, "delete", a[start + i]!); // on a tie, the deletion comes first
        i++;
      } else {
        push(parts, "insert", b[start + j]!);
        j++;
      }
    }
  }
  push(parts, "equal", a.slice(endA).join(""));
  return parts;
}

/**
 * The UTF-16 index (what String.slice takes) of the `index`-th character counted in code points
 * (what the server, in Python, counts).
 */
export function codePointToUtf16(text: string, index: number): number {
  let offset = 0;
  let count = 0;
  for (const char of text) {
    if (count >= index) break;
    offset += char.length;
    count++;
  }
  return offset;
}
