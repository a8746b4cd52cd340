import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";

// React's act() environment flag, so state updates in tests are flushed and checked.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const realFetch = globalThis.fetch;

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  globalThis.fetch = realFetch;
  localStorage.clear();
});
