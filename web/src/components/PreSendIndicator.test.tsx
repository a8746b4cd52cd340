import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Refusal } from "../api/types";
import { makeResult, refusedResult } from "../test/fakeServer";
import { PreSendIndicator } from "./PreSendIndicator";

describe("PreSendIndicator", () => {
  it("shows intent, source count, tokens, cost and model for a grounded result", () => {
    render(<PreSendIndicator status="ready" result={makeResult("library integration context")} />);
    const indicator = screen.getByTestId("pre-send-indicator");
    expect(indicator.getAttribute("data-state")).toBe("grounded");
    expect(indicator.getAttribute("role")).toBe("status");
    expect(indicator.getAttribute("aria-live")).toBe("polite");
    expect(screen.getByTestId("indicator-intent").textContent).toBe("general 71%");
    expect(screen.getByTestId("indicator-sources").textContent).toBe("Grounded · 3 sources");
    expect(screen.getByTestId("indicator-cost").textContent).toBe("762 tokens · $0.00012");
    expect(screen.getByTestId("indicator-model").textContent).toBe("example-small");
    expect(screen.queryByTestId("indicator-refusal")).toBeNull();

    const details = indicator.querySelector("details")!;
    expect(details.querySelector("summary")!.textContent).toBe("Sources");
    const items = details.querySelectorAll("li");
    expect(items).toHaveLength(3);
    expect(items[0]!.textContent).toContain("Overview");
    expect(items[0]!.textContent).toContain("docs/overview.md");
    expect(items[0]!.textContent).toContain("docs/overview.md · score 93%");
    expect(screen.getByRole("list", { name: "Suggestions" }).textContent).toContain(
      "Say what form of answer you expect.",
    );
  });

  it("says '1 source' for a single passage", () => {
    const result = makeResult("x");
    render(<PreSendIndicator status="ready" result={{ ...result, context: result.context.slice(0, 1) }} />);
    expect(screen.getByTestId("indicator-sources").textContent).toBe("Grounded · 1 source");
  });

  it("shows the refusal reason (and its code) for a refused result", () => {
    render(<PreSendIndicator status="ready" result={refusedResult("random unindexed query")} />);
    expect(screen.getByTestId("pre-send-indicator").getAttribute("data-state")).toBe("refused");
    const refusal = screen.getByTestId("indicator-refusal");
    expect(refusal.textContent).toContain(
      "No passage in the Library scores above the grounding threshold.",
    );
    expect(refusal.getAttribute("data-refusal-code")).toBe("no_grounding");
    expect(screen.queryByTestId("indicator-sources")).toBeNull();
    expect(screen.queryByText("Sources")).toBeNull();
    expect(screen.getByTestId("indicator-model").textContent).toBe("example-small");
  });

  it.each<[Refusal["code"], string]>([
    ["too_few_terms", "one searchable word cannot ground a draft, 2 are needed: keep typing"],
    ["no_query_terms", "the draft has no searchable words yet"],
  ])("words a %s draft as a wait, not a refusal", (code, reason) => {
    const result = refusedResult("hi");
    render(
      <PreSendIndicator status="ready" result={{ ...result, confidence: 0, refusal: { code, reason } }} />,
    );
    const indicator = screen.getByTestId("pre-send-indicator");
    expect(indicator.getAttribute("data-state")).toBe("waiting");
    expect(indicator.className).toContain("indicator--waiting");
    const shown = screen.getByTestId("indicator-refusal");
    expect(shown.textContent).toBe(`Not yet grounded: ${reason}`);
    expect(shown.getAttribute("data-refusal-code")).toBe(code);
  });

  it("marks estimated token counts", () => {
    const result = makeResult("x");
    render(
      <PreSendIndicator status="ready" result={{ ...result, tokens: { ...result.tokens, exact: false } }} />,
    );
    expect(screen.getByTestId("indicator-cost").textContent).toBe("≈762 tokens · $0.00012");
  });

  it("shows a subtle loading state", () => {
    render(<PreSendIndicator status="loading" result={null} />);
    const indicator = screen.getByTestId("pre-send-indicator");
    expect(indicator.getAttribute("data-state")).toBe("loading");
    expect(indicator.textContent).toContain("…");
  });

  it("shows a quiet 'unavailable'", () => {
    render(<PreSendIndicator status="unavailable" result={null} />);
    const indicator = screen.getByTestId("pre-send-indicator");
    expect(indicator.getAttribute("data-state")).toBe("unavailable");
    expect(indicator.textContent).toBe("unavailable");
  });

  it("renders nothing when idle or disabled", () => {
    const { container, rerender } = render(<PreSendIndicator status="idle" result={null} />);
    expect(container.innerHTML).toBe("");
    rerender(<PreSendIndicator status="disabled" result={null} />);
    expect(container.innerHTML).toBe("");
  });
});
