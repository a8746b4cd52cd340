import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Turn } from "./api/types";
import { App } from "./App";
import { installFakeServer } from "./test/fakeServer";

beforeEach(() => {
  vi.useFakeTimers();
});

async function advance(ms: number): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe("conversation view", () => {
  it("keeps sent messages in a labelled list and sends them as history", async () => {
    const server = installFakeServer();
    render(<App />);
    await advance(0);
    const box = screen.getByTestId("chat-input");

    fireEvent.change(box, { target: { value: "how do I ingest files into the Library?" } });
    await advance(250);
    fireEvent.keyDown(box, { key: "Enter" });

    const list = screen.getByRole("list", { name: "Conversation" });
    const first = within(list).getByRole("listitem", { name: "Message 1, You" });
    expect(first.textContent).toBe("how do I ingest files into the Library?");
    expect(first.getAttribute("data-role")).toBe("user");

    fireEvent.change(box, { target: { value: "and what formats are supported?" } });
    await advance(250);
    const bodies = server.fetch.mock.calls
      .filter(([input]) => String(input) === "/api/precompute")
      .map(([, init]) => JSON.parse(String(init?.body)) as { text: string; history?: Turn[] });
    expect(bodies[0]).toEqual({ text: "how do I ingest files into the Library?" });
    expect(bodies.at(-1)).toEqual({
      text: "and what formats are supported?",
      history: [{ role: "user", content: "how do I ingest files into the Library?" }],
    });

    fireEvent.click(screen.getByTestId("send-button"));
    const items = within(list).getAllByRole("listitem");
    expect(items.map((i) => i.getAttribute("aria-label"))).toEqual([
      "Message 1, You",
      "Message 2, You",
    ]);
    expect(items[1]!.textContent).toBe("and what formats are supported?");
  });
});
