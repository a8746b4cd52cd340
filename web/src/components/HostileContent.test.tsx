/**
 * Library content is untrusted: a passage's title, source and text, and the optimized prompt that
 * quotes them, are shown as literal text, never parsed as HTML (issue #14, hostile content).
 */
import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { installFakeServer, jsonResponse, makeResult } from "../test/fakeServer";
import { ChatInput } from "./ChatInput";
import { PreSendIndicator } from "./PreSendIndicator";

const SCRIPT = "<script>window.__pwned = true</script>";
const IMG = '<img src="x" onerror="window.__pwned = true">';
// Bidi override and zero-width characters stay characters of the text.
const INVISIBLE = "\u202Eevil\u202C\u200B";

function hostileResult(text: string) {
  const result = makeResult(text);
  return {
    ...result,
    context: [
      { id: 1, source: `docs/${IMG}.md`, title: SCRIPT, text: `${SCRIPT} ${IMG}`, score: 0.9 },
      { id: 2, source: "docs/b.md", title: `${IMG}${INVISIBLE}`, text: "", score: 0.8 },
    ],
    optimized_prompt: `Task: ${text}\n\n<passage id="1" title="${SCRIPT}">\n${IMG}\n</passage>`,
  };
}

function expectNoMarkup(root: Element) {
  expect(root.querySelector("script, img, iframe, object, embed")).toBeNull();
  for (const element of root.querySelectorAll("*")) {
    for (const attribute of element.getAttributeNames()) {
      expect(attribute.startsWith("on")).toBe(false);
    }
  }
  expect((window as { __pwned?: boolean }).__pwned).toBeUndefined();
}

afterEach(() => {
  delete (window as { __pwned?: boolean }).__pwned;
});

describe("hostile Library content", () => {
  it("no component renders raw HTML (every string goes through React's escaping)", () => {
    const sources = import.meta.glob(["../**/*.{ts,tsx}", "!../**/*.test.{ts,tsx}"], {
      query: "?raw",
      import: "default",
      eager: true,
    }) as Record<string, string>;
    expect(Object.keys(sources).length).toBeGreaterThan(3);
    const rawHtml = /dangerouslySetInnerHTML|\.innerHTML\s*=|insertAdjacentHTML|document\.write/;
    for (const [file, source] of Object.entries(sources)) {
      expect([file, rawHtml.test(source)]).toEqual([file, false]);
    }
  });

  it("shows a passage's <script> and <img onerror> title and source as literal text", () => {
    const { container } = render(
      <PreSendIndicator status="ready" result={hostileResult("library integration context")} />,
    );
    expectNoMarkup(container);
    const items = container.querySelectorAll(".indicator__sources li");
    expect(items).toHaveLength(2);
    expect(items[0]!.textContent).toContain(SCRIPT);
    expect(items[0]!.textContent).toContain(`docs/${IMG}.md`);
    expect(items[1]!.textContent).toContain(`${IMG}${INVISIBLE}`);
  });

  describe("in the message box", () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });

    it("puts an optimized prompt quoting markup into the textarea as plain text", async () => {
      installFakeServer({ onPrecompute: (text) => jsonResponse(hostileResult(text)) });
      const { container } = render(<ChatInput onSend={vi.fn()} />);
      await act(async () => {
        await vi.advanceTimersByTimeAsync(0);
      });
      const box = screen.getByTestId("chat-input") as HTMLTextAreaElement;
      fireEvent.change(box, { target: { value: "library integration context" } });
      await act(async () => {
        await vi.advanceTimersByTimeAsync(250);
      });
      fireEvent.click(screen.getByTestId("use-optimized"));
      expect(box.value).toBe(hostileResult("library integration context").optimized_prompt);
      expect(box.children).toHaveLength(0);
      expectNoMarkup(container);
    });
  });
});
