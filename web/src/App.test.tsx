import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { API_KEY_STORAGE } from "./api/client";
import { App } from "./App";
import { installFakeServer } from "./test/fakeServer";

beforeEach(() => {
  vi.useFakeTimers();
});

describe("App", () => {
  it("appends sent messages to the message list", async () => {
    installFakeServer();
    render(<App />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(screen.getByRole("heading", { name: "PromptGen" })).toBeTruthy();
    const log = screen.getByRole("log");
    expect(log.getAttribute("data-testid")).toBe("message-list");
    const box = screen.getByTestId("chat-input");

    fireEvent.change(box, { target: { value: "first message" } });
    fireEvent.keyDown(box, { key: "Enter" });
    fireEvent.change(box, { target: { value: "second\nmessage" } });
    fireEvent.click(screen.getByTestId("send-button"));

    const messages = within(log).getAllByTestId("message");
    expect(messages.map((m) => m.textContent)).toEqual(["first message", "second\nmessage"]);
  });

  it("stores the API key from the settings and sends it as a bearer token", async () => {
    const server = installFakeServer();
    render(<App />);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: " secret-key " } });
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(localStorage.getItem(API_KEY_STORAGE)).toBe("secret-key");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    // The config is fetched again, now with the key.
    const [, init] = server.fetch.mock.calls.at(-1)!;
    expect((init?.headers as Record<string, string>).Authorization).toBe("Bearer secret-key");

    fireEvent.click(screen.getByRole("button", { name: "Clear" }));
    expect(localStorage.getItem(API_KEY_STORAGE)).toBeNull();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    const [, last] = server.fetch.mock.calls.at(-1)!;
    expect((last?.headers as Record<string, string>).Authorization).toBeUndefined();
  });
});
