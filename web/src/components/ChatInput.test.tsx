import { act, fireEvent, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  errorResponse,
  installFakeServer,
  jsonResponse,
  makeResult,
  refusedResult,
} from "../test/fakeServer";
import { ChatInput } from "./ChatInput";

async function advance(ms: number): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

async function renderInput() {
  const onSend = vi.fn();
  render(<ChatInput onSend={onSend} />);
  await advance(0); // /api/config
  const box = screen.getByTestId("chat-input") as HTMLTextAreaElement;
  return { onSend, box };
}

function typeInto(box: HTMLTextAreaElement, value: string) {
  fireEvent.change(box, { target: { value } });
}

beforeEach(() => {
  vi.useFakeTimers();
});

describe("ChatInput", () => {
  it("has a labelled textarea", async () => {
    installFakeServer();
    await renderInput();
    expect(screen.getByRole("textbox", { name: "Message" })).toBe(screen.getByTestId("chat-input"));
  });

  it("Enter sends the draft and clears the box", async () => {
    installFakeServer();
    const { onSend, box } = await renderInput();
    typeInto(box, "hello there");
    const notPrevented = fireEvent.keyDown(box, { key: "Enter" });
    expect(notPrevented).toBe(false); // no newline is inserted
    expect(onSend).toHaveBeenCalledWith("hello there");
    expect(box.value).toBe("");
  });

  it("Shift+Enter does not send (the newline is left to the textarea)", async () => {
    installFakeServer();
    const { onSend, box } = await renderInput();
    typeInto(box, "first line");
    const notPrevented = fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(notPrevented).toBe(true);
    expect(onSend).not.toHaveBeenCalled();
    expect(box.value).toBe("first line");
  });

  it("the Send button sends; an empty draft sends nothing", async () => {
    installFakeServer();
    const { onSend, box } = await renderInput();
    fireEvent.click(screen.getByTestId("send-button"));
    typeInto(box, "   ");
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).not.toHaveBeenCalled();
    typeInto(box, "a message");
    fireEvent.click(screen.getByTestId("send-button"));
    expect(onSend).toHaveBeenCalledWith("a message");
    expect(box.value).toBe("");
  });

  it("'Use optimized prompt' swaps the draft and Undo restores it", async () => {
    const server = installFakeServer();
    const { box } = await renderInput();
    expect(screen.queryByTestId("use-optimized")).toBeNull();

    typeInto(box, "library integration context");
    expect(screen.queryByTestId("use-optimized")).toBeNull(); // not before the answer
    await advance(250);
    expect(screen.getByTestId("pre-send-indicator").getAttribute("data-state")).toBe("grounded");

    fireEvent.click(screen.getByTestId("use-optimized"));
    const optimized = makeResult("library integration context").optimized_prompt!;
    expect(box.value).toBe(optimized);
    expect(screen.queryByTestId("use-optimized")).toBeNull();

    fireEvent.click(screen.getByTestId("undo-optimized"));
    expect(box.value).toBe("library integration context");
    expect(screen.queryByTestId("undo-optimized")).toBeNull();
    // The restored draft's answer is cached: the button is back at once, with no new request.
    expect(screen.getByTestId("use-optimized")).toBeTruthy();
    expect(server.precomputeTexts().filter((t) => t === "library integration context")).toHaveLength(1);
  });

  it("offers no optimized prompt for a refused draft, or for an answer to another text", async () => {
    installFakeServer({
      onPrecompute: (text) =>
        jsonResponse(text.startsWith("random") ? refusedResult(text) : makeResult(text)),
    });
    const { box } = await renderInput();
    typeInto(box, "random unindexed query");
    await advance(250);
    expect(screen.getByTestId("pre-send-indicator").getAttribute("data-state")).toBe("refused");
    expect(screen.getByTestId("indicator-refusal").textContent).toContain("threshold");
    expect(screen.queryByTestId("use-optimized")).toBeNull();

    typeInto(box, "library integration context");
    await advance(250);
    expect(screen.getByTestId("use-optimized")).toBeTruthy();
    typeInto(box, "library integration context!");
    expect(screen.queryByTestId("use-optimized")).toBeNull();
  });

  it("sending works the same when typing intelligence is unavailable", async () => {
    installFakeServer({ onPrecompute: () => errorResponse(503, "promptgen_unavailable") });
    const { onSend, box } = await renderInput();
    typeInto(box, "implement authentication");
    await advance(250);
    expect(box.getAttribute("data-intelligence")).toBe("unavailable");
    expect(screen.getByTestId("pre-send-indicator").getAttribute("data-state")).toBe("unavailable");
    fireEvent.keyDown(box, { key: "Enter" });
    expect(onSend).toHaveBeenCalledWith("implement authentication");
    expect(box.value).toBe("");
  });

  it("shows no indicator when the feature is off, and still sends", async () => {
    const server = installFakeServer({ config: { typing_intelligence: false } });
    const { onSend, box } = await renderInput();
    typeInto(box, "library integration context");
    await advance(1000);
    expect(box.getAttribute("data-intelligence")).toBe("disabled");
    expect(screen.queryByTestId("pre-send-indicator")).toBeNull();
    fireEvent.click(screen.getByTestId("send-button"));
    expect(onSend).toHaveBeenCalledWith("library integration context");
    expect(server.precomputeTexts()).toEqual([]);
  });
});
