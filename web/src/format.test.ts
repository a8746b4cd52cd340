import { describe, expect, it } from "vitest";
import { formatPercent, formatUsd, plural } from "./format";

describe("format", () => {
  it("formats costs with two significant digits below a dollar", () => {
    expect(formatUsd(0.00012)).toBe("$0.00012");
    expect(formatUsd(0.000123)).toBe("$0.00012");
    expect(formatUsd(0.27)).toBe("$0.27");
    expect(formatUsd(1.234)).toBe("$1.23");
    expect(formatUsd(0)).toBe("$0");
    expect(formatUsd(Number.NaN)).toBe("–");
  });

  it("formats percentages and plurals", () => {
    expect(formatPercent(0.8612)).toBe("86%");
    expect(plural(1, "source")).toBe("1 source");
    expect(plural(3, "source")).toBe("3 sources");
    expect(plural(1200, "token")).toBe("1,200 tokens");
  });
});
