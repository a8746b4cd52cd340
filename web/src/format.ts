/** Small display formatters for the pre-send indicator. */

const smallUsd = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumSignificantDigits: 2,
});
const largeUsd = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const count = new Intl.NumberFormat("en-US");

/** $0.00012, $0.012, $0.27, $1.23: two significant digits below a dollar. */
export function formatUsd(value: number): string {
  if (!Number.isFinite(value) || value < 0) return "–";
  return value >= 1 ? largeUsd.format(value) : smallUsd.format(value);
}

/** 0.8612 → "86%". */
export function formatPercent(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return `${Math.round(Math.min(1, Math.max(0, value)) * 100)}%`;
}

export function formatCount(value: number): string {
  return Number.isFinite(value) ? count.format(value) : "–";
}

/** "1 source", "3 sources". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
