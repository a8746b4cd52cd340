/** Issue #16 item 5: the optimized prompt previewed as a word diff, sources opened, warnings shown. */
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { installFakeServer, jsonResponse, makeResult } from "../test/fakeServer";
import { ChatInput } from "./ChatInput";
import { PreSendIndicator } from "./PreSendIndicator";
import { PromptDiff } from "./PromptDiff";

async function advance(ms: number): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("PromptDiff", () => {
  it("marks insertions with <ins> and deletions with <del>, named for screen readers", () => {
    render(<PromptDiff before="please explain the old API" after="explain the new API" />);
    const body = screen.getByTestId("prompt-diff-body");
    expect([...body.querySelectorAll("ins")].map((el) => el.textContent)).toEqual(["new"]);
    expect([...body.querySelectorAll("del")].map((el) => el.textContent)).toEqual(["please ", "old"]);
    expect(body.textContent).toContain("[removed: please ]");
    expect(body.textContent).toContain("[added: new]");
    expect(screen.getByRole("region", { name: /Optimized prompt preview/ })).toBeTruthy();
  });

  it("renders markup in the prompt as text", () => {
    const after = 'x <img src=x onerror="alert(1)"> y';
    const { container } = render(<PromptDiff before="x y" after={after} />);
    expect(container.querySelector("img")).toBeNull();
    expect(screen.getByTestId("prompt-diff-body").querySelector("ins")!.textContent).toContain("<img");
  });
});

describe("ChatInput preview", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it("shows the diff before replacing, replaces on Use, and Undo restores the draft", async () => {
    installFakeServer();
    render(<ChatInput onSend={vi.fn()} />);
    await advance(0);
    const box = screen.getByTestId("chat-input") as HTMLTextAreaElement;
    const draft = "library integration context";
    fireEvent.change(box, { target: { value: draft } });
    await advance(300);

    const optimized = makeResult(draft).optimized_prompt!;
    const preview = screen.getByTestId("prompt-diff");
    expect(box.value).toBe(draft); // nothing replaced yet
    const inserted = [...within(preview).getByTestId("prompt-diff-body").querySelectorAll("ins")];
    expect(inserted.map((el) => el.textContent).join("")).toContain("<passage");
    expect(within(preview).getByTestId("prompt-diff-body").textContent).toContain(draft);

    fireEvent.click(screen.getByTestId("use-optimized"));
    expect(box.value).toBe(optimized);
    expect(screen.queryByTestId("prompt-diff")).toBeNull();

    fireEvent.click(screen.getByTestId("undo-optimized"));
    expect(box.value).toBe(draft);
    await advance(300);
    expect(screen.getByTestId("prompt-diff")).toBeTruthy();
  });

  it("highlights the server's warning span in the draft", async () => {
    const draft = "😀 my key AKIAQ3EGUOZB7XK5M2PD leaks";
    installFakeServer({
      onPrecompute: (text) =>
        jsonResponse(
          makeResult(text, {
            // Code points, as the server counts: the emoji is one character.
            warnings: [
              { kind: "aws-access-key", category: "secret", start: 9, end: 29, preview: "AKIA…(20)" },
            ],
          }),
        ),
    });
    render(<ChatInput onSend={vi.fn()} />);
    await advance(0);
    fireEvent.change(screen.getByTestId("chat-input"), { target: { value: draft } });
    await advance(300);
    const marks = screen.getAllByTestId("draft-warning-span");
    expect(marks.map((mark) => mark.textContent)).toEqual(["AKIAQ3EGUOZB7XK5M2PD"]);
  });
});

describe("PreSendIndicator sources and warnings", () => {
  it("opens each source to its passage text, document and heading (as text)", () => {
    const result = makeResult("x", {
      context: [
        {
          id: 7,
          source: "docs/library.md",
          title: "Ingesting",
          text: "Run <b>promptgen ingest</b> on a folder.",
          score: 0.8,
        },
      ],
    });
    const { container } = render(<PreSendIndicator status="ready" result={result} />);
    const source = screen.getByTestId("indicator-source") as HTMLDetailsElement;
    expect(source.open).toBe(false);
    fireEvent.click(source.querySelector("summary")!);
    source.open = true; // jsdom does not toggle <details> on click
    expect(within(source).getByTestId("source-document").textContent).toBe("docs/library.md");
    expect(within(source).getByTestId("source-heading").textContent).toBe("Ingesting");
    expect(within(source).getByTestId("source-passage").textContent).toBe(
      "Run <b>promptgen ingest</b> on a folder.",
    );
    expect(container.querySelector("b")).toBeNull();
  });

  it("lists each warning by kind and masked preview and highlights its span", () => {
    const draft = "mail bob@example.com and key AKIAQ3EGUOZB7XK5M2PD";
    const result = makeResult(draft, {
      warnings: [
        { kind: "aws-access-key", category: "secret", start: 29, end: 49, preview: "AKIA…(20)" },
        { kind: "email", category: "personal", start: 5, end: 20, preview: "bob…(15)" },
      ],
    });
    render(<PreSendIndicator status="ready" result={result} draft={draft} />);
    const items = screen.getAllByTestId("draft-warning");
    expect(items.map((item) => item.getAttribute("data-kind"))).toEqual(["aws-access-key", "email"]);
    expect(items[0]!.textContent).toContain("Secret: aws-access-key");
    expect(items[0]!.textContent).toContain("AKIA…(20)");
    expect(items[0]!.textContent).not.toContain("AKIAQ3EGUOZB7XK5M2PD");
    expect(items[1]!.textContent).toContain("Personal data: email");
    expect(screen.getByRole("list", { name: "Sensitive data in the draft" })).toBeTruthy();
    const marks = screen.getAllByTestId("draft-warning-span");
    expect(marks.map((mark) => [mark.getAttribute("data-kind"), mark.textContent])).toEqual([
      ["email", "bob@example.com"],
      ["aws-access-key", "AKIAQ3EGUOZB7XK5M2PD"],
    ]);
    expect(screen.getByTestId("draft-warning-mirror").textContent).toContain("[email: bob@example.com]");
  });

  it("shows no warnings block when there are none", () => {
    render(<PreSendIndicator status="ready" result={makeResult("x")} draft="x" />);
    expect(screen.queryByTestId("draft-warnings")).toBeNull();
  });
});
