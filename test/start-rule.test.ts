// src/pool/start-rule.ts: when a pool's calling thread starts its workers, and
// when the CLI starts them before any decode. Pure functions of the pace seen.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { CALLER_START_MS, CallerPace, prestartPays, RATE_AFTER, RATE_INPUTS, WORKER_START_MS, workersPay } from "../src/pool/start-rule.js";

function paceOf(ms: number[]): CallerPace {
  const p = new CallerPace();
  for (const m of ms) p.add(m);
  return p;
}

describe("CallerPace", () => {
  test("sums, counts, keeps the fastest and the mean of the latest inputs", () => {
    const p = paceOf([45, 5, 4, 3, 2, 6]);
    expect(p.ms).toBe(65);
    expect(p.inputs).toBe(6);
    expect(p.minMs).toBe(2);
    expect(RATE_INPUTS).toBe(4); // (the mean below is of the last four: 4 3 2 6)
    expect(p.recentMs()).toBe(3.75);
    expect(paceOf([]).recentMs()).toBe(0);
    expect(paceOf([8, 2]).recentMs()).toBe(5);
  });
});

describe("workersPay", () => {
  const settled = [45, 5, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3]; // a cold first input, then ~3 ms each
  const pays2 = WORKER_START_MS * 2; // jobs 2: S · J / (J − 1)

  test("not before CALLER_START_MS of decoding here, nor with one job", () => {
    expect(workersPay(paceOf([CALLER_START_MS - 1]), undefined, 2)).toBe(false);
    expect(workersPay(paceOf([CALLER_START_MS]), undefined, 2)).toBe(true);
    expect(workersPay(paceOf(settled), 1e6, 1)).toBe(false);
  });

  test("count unknown: starts as soon as the input proves long (the rule before the count)", () => {
    expect(workersPay(paceOf(settled), undefined, 2)).toBe(true);
    expect(workersPay(paceOf(settled), undefined, 16)).toBe(true);
  });

  test("count known: only when the inputs left at the recent pace outlast the start-up", () => {
    expect(RATE_AFTER).toBe(settled.length);
    // 100 captures of ~3 ms: 88 left after twelve, 264 ms < 400 ms: no workers
    expect(workersPay(paceOf(settled), 88, 2)).toBe(false);
    // 1 000: 2 976 ms left
    expect(workersPay(paceOf(settled), 992, 2)).toBe(true);
    // the boundary: left × 3 ms against 400 ms (jobs 2) and 200 · 16 / 15 ms (jobs 16)
    expect(workersPay(paceOf(settled), Math.ceil(pays2 / 3), 2)).toBe(true);
    expect(workersPay(paceOf(settled), Math.floor(pays2 / 3), 2)).toBe(false);
    expect(workersPay(paceOf(settled), 72, 16)).toBe(true);
    expect(workersPay(paceOf(settled), 70, 16)).toBe(false);
    expect(workersPay(paceOf(settled), 0, 2)).toBe(false);
  });

  test("before RATE_AFTER inputs, only a batch four times too long at its fastest input so far", () => {
    const early = [45, 5, 4]; // fastest 4 ms
    expect(workersPay(paceOf(early), Math.ceil((4 * pays2) / 4), 2)).toBe(true);
    expect(workersPay(paceOf(early), Math.floor((4 * pays2) / 4) - 1, 2)).toBe(false);
    // after the first input alone (which also loaded the kernels): not on its time, unless it outlasts a start-up
    expect(workersPay(paceOf([45]), 99, 2)).toBe(false);
    expect(workersPay(paceOf([45]), 1e6, 2)).toBe(false);
    // two long captures (a second each): one left is never worth a worker
    expect(workersPay(paceOf([1000]), 1, 2)).toBe(false);
    // ten of them: nine left, 9 s
    expect(workersPay(paceOf([1000]), 9, 2)).toBe(true);
  });

  test("property: more inputs left never turns a start into no start, nor does a slower pace", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 500, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 2, max: 64 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        (ms, a, b, jobs, slower) => {
          const pace = paceOf(ms);
          const [few, many] = a <= b ? [a, b] : [b, a];
          if (workersPay(pace, few, jobs)) expect(workersPay(pace, many, jobs)).toBe(true);
          if (workersPay(pace, few, jobs)) expect(workersPay(paceOf(ms.map((m) => m * slower)), few, jobs)).toBe(true);
        },
      ),
    );
  });
});

describe("prestartPays", () => {
  test("only a batch that pays for the workers even at a millisecond a file", () => {
    expect(prestartPays(100, 2)).toBe(false);
    expect(prestartPays(399, 2)).toBe(false);
    expect(prestartPays(400, 2)).toBe(true);
    expect(prestartPays(214, 16)).toBe(true);
    expect(prestartPays(213, 16)).toBe(false);
    expect(prestartPays(10_000, 1)).toBe(false);
  });
});
