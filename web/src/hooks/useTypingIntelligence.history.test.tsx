import { act, renderHook } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Turn } from "../api/types";
import { installFakeServer } from "../test/fakeServer";
import {
  HISTORY_MAX_CHARS,
  HISTORY_MAX_TURNS,
  boundHistory,
  useTypingIntelligence,
} from "./useTypingIntelligence";

async function advance(ms: number): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

/** The bodies posted to /api/precompute, parsed. */
function bodies(server: ReturnType<typeof installFakeServer>) {
  return server.fetch.mock.calls
    .filter(([input]) => String(input) === "/api/precompute")
    .map(([, init]) => JSON.parse(String(init?.body)) as { text: string; history?: Turn[] });
}

const user = (content: string): Turn => ({ role: "user", content });

async function render(text: string, history: readonly Turn[]) {
  const view = renderHook(
    ({ t, h }: { t: string; h: readonly Turn[] }) => useTypingIntelligence(t, { history: h }),
    { initialProps: { t: text, h: history } },
  );
  await advance(0);
  return view;
}

beforeEach(() => {
  vi.useFakeTimers();
});

describe("boundHistory", () => {
  it("keeps at most the last turns, oldest first", () => {
    const turns = Array.from({ length: 12 }, (_, i) => user(`turn ${i}`));
    const kept = boundHistory(turns);
    expect(kept).toHaveLength(HISTORY_MAX_TURNS);
    expect(kept.at(-1)).toEqual(user("turn 11"));
    expect(kept[0]).toEqual(user(`turn ${12 - HISTORY_MAX_TURNS}`));
  });

  it("keeps the newest turns that fit in the character budget", () => {
    const big = "x".repeat(3_000);
    const turns = [user(`a${big}`), user(`b${big}`), user(`c${big}`), user("newest")];
    const kept = boundHistory(turns);
    expect(kept.map((t) => t.content[0])).toEqual(["b", "c", "n"]);
    expect(kept.reduce((n, t) => n + t.content.length, 0)).toBeLessThanOrEqual(HISTORY_MAX_CHARS);
  });

  it("cuts a single newest turn longer than the budget, drops blank turns", () => {
    const kept = boundHistory([user("older"), user("y".repeat(HISTORY_MAX_CHARS + 50)), user("  ")]);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.content).toHaveLength(HISTORY_MAX_CHARS);
    expect(boundHistory(undefined)).toEqual([]);
  });

  it("never splits a surrogate pair", () => {
    const kept = boundHistory([user("😀".repeat(10))], 8, 5);
    expect(kept[0]!.content).toBe("😀😀");
  });
});

describe("useTypingIntelligence with history", () => {
  it("sends no history field while the conversation is empty", async () => {
    const server = installFakeServer();
    await render("implement authentication", []);
    await advance(250);
    expect(bodies(server)).toEqual([{ text: "implement authentication" }]);
  });

  it("sends the conversation's last turns, bounded, newest kept", async () => {
    const server = installFakeServer();
    const turns = Array.from({ length: 11 }, (_, i) => user(`message ${i}`));
    const { result } = await render("and what formats are supported?", turns);
    await advance(250);
    const [body] = bodies(server);
    expect(body!.text).toBe("and what formats are supported?");
    expect(body!.history).toEqual(turns.slice(-HISTORY_MAX_TURNS));
    expect(result.current.status).toBe("ready");
  });

  it("keys its cache by history: same text with a new history asks again", async () => {
    const server = installFakeServer();
    const first = [user("how do I ingest files into the Library?")];
    const view = await render("and what formats?", first);
    await advance(250);
    expect(bodies(server)).toHaveLength(1);

    // The same history in a new array is the same key: no new request.
    view.rerender({ t: "and what formats?", h: [...first] });
    await advance(1000);
    expect(bodies(server)).toHaveLength(1);

    const second = [...first, user("what about PDFs?")];
    view.rerender({ t: "and what formats?", h: second });
    expect(view.result.current.status).toBe("loading");
    await advance(250);
    expect(bodies(server)).toHaveLength(2);
    expect(bodies(server)[1]!.history).toEqual(second);
    expect(view.result.current.status).toBe("ready");

    // Back to the first history: answered from the cache.
    view.rerender({ t: "and what formats?", h: first });
    expect(view.result.current.status).toBe("ready");
    await advance(1000);
    expect(bodies(server)).toHaveLength(2);
  });
});
