import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../src/lib/backoff.js';

const fixed = (value) => () => value;
const almostOne = 1 - Number.EPSILON;

test('without jitter the delay doubles from base until it reaches max', () => {
  const options = { base: 100, max: 1000, jitter: 0 };
  const delays = [0, 1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, options));
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
});

test('full jitter spans from zero up to the ceiling', () => {
  const options = { base: 100, max: 1000, jitter: 1 };
  assert.equal(backoffDelay(2, { ...options, random: fixed(0) }), 400);
  assert.equal(backoffDelay(2, { ...options, random: fixed(0.5) }), 200);
  assert.ok(backoffDelay(2, { ...options, random: fixed(almostOne) }) < 1e-9);
});

test('partial jitter keeps the delay in the upper part of the ceiling', () => {
  const options = { base: 1000, max: 1000, jitter: 0.25 };
  assert.equal(backoffDelay(0, { ...options, random: fixed(0) }), 1000);
  const low = backoffDelay(0, { ...options, random: fixed(almostOne) });
  assert.ok(low >= 750 && low < 751, `${low}`);
});

test('the delay never exceeds max, even for huge attempt numbers', () => {
  let seed = 1;
  const random = () => ((seed = (seed * 48271) % 2147483647) - 1) / 2147483646;
  for (const attempt of [0, 1, 10, 31, 64, 1100, 1e6]) {
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(attempt, { base: 250, max: 30000, random });
      assert.ok(delay >= 0 && delay <= 30000, `attempt ${attempt}: ${delay}`);
    }
  }
});

test('the same random source gives the same delays', () => {
  const run = () => {
    const values = [0.1, 0.7, 0.3];
    return [0, 1, 2].map((attempt) => backoffDelay(attempt, { random: () => values.shift() }));
  };
  assert.deepEqual(run(), run());
});

test('defaults are a 500 ms base, a 10 s cap and full jitter', () => {
  assert.equal(backoffDelay(0, { random: fixed(0) }), 500);
  assert.equal(backoffDelay(20, { random: fixed(0) }), 10000);
  assert.equal(backoffDelay(20, { random: fixed(0.5) }), 5000);
});

test('out-of-range arguments are refused', () => {
  assert.throws(() => backoffDelay(-1), RangeError);
  assert.throws(() => backoffDelay(1.5), RangeError);
  assert.throws(() => backoffDelay(0, { base: 0 }), RangeError);
  assert.throws(() => backoffDelay(0, { base: 100, max: 50 }), RangeError);
  assert.throws(() => backoffDelay(0, { max: Infinity }), RangeError);
  assert.throws(() => backoffDelay(0, { jitter: 1.5 }), RangeError);
  assert.throws(() => backoffDelay(0, { jitter: Number.NaN }), RangeError);
});
