/**
 * @module Clocks. Protocol code never reads the wall clock itself: it is given a {@link Clock}.
 * Unix seconds, as RFC 9421 §2.3 uses for `created`.
 */

/** A source of time. `nowSeconds()` is Unix time in whole seconds; `nowMs()` is Unix time in milliseconds. */
export interface Clock {
  nowSeconds(): number;
  nowMs(): number;
}

/** The real clock. */
export const systemClock: Clock = {
  nowSeconds: () => Math.floor(Date.now() / 1000),
  nowMs: () => Date.now(),
};

/** A clock fixed at `unixSeconds` that tests can move with `advance(seconds)`. */
export function fakeClock(unixSeconds: number): Clock & { advance(seconds: number): void } {
  let ms = unixSeconds * 1000;
  return {
    nowSeconds: () => Math.floor(ms / 1000),
    nowMs: () => ms,
    advance(seconds: number) {
      ms += seconds * 1000;
    },
  };
}
