// Reconnect delays: exponential growth capped at `max`, with jitter so that many
// clients cut off at once do not all come back in the same instant.

/**
 * Delay in milliseconds before reconnect attempt number `attempt` (0 = first retry).
 *
 * The ceiling grows as `base * 2 ** attempt` and never exceeds `max`. A fraction
 * `jitter` of that ceiling is randomised: the result lies in
 * `[ceiling * (1 - jitter), ceiling]`, so `jitter: 1` is "full jitter" (anywhere
 * from 0 to the ceiling) and `jitter: 0` is a plain exponential backoff.
 *
 * @param {number} attempt non-negative integer
 * @param {object} [options]
 * @param {number} [options.base=500] first ceiling, in ms (> 0)
 * @param {number} [options.max=10000] upper bound, in ms (>= base)
 * @param {number} [options.jitter=1] randomised fraction, in [0, 1]
 * @param {() => number} [options.random=Math.random] source of values in [0, 1);
 *   pass your own for deterministic results
 * @returns {number} milliseconds (not rounded; setTimeout accepts fractions), at most `max`
 * @throws {RangeError} when an argument is out of range
 */
export function backoffDelay(attempt, options = {}) {
  const { base = 500, max = 10000, jitter = 1, random = Math.random } = options;
  checkArguments(attempt, base, max, jitter);
  // 2 ** attempt overflows to Infinity for large attempts; the min() absorbs it.
  const ceiling = Math.min(max, base * 2 ** attempt);
  const spread = ceiling * jitter;
  return ceiling - spread * random();
}

function checkArguments(attempt, base, max, jitter) {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  }
  if (!(base > 0) || !Number.isFinite(base)) {
    throw new RangeError(`base must be a positive number, got ${base}`);
  }
  if (!(max >= base) || !Number.isFinite(max)) {
    throw new RangeError(`max must be a number >= base, got ${max}`);
  }
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`jitter must be in [0, 1], got ${jitter}`);
  }
}
