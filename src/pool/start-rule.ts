// When a pool whose calling thread decodes (src/pool/core.ts, Node) starts its
// jobs − 1 workers. A worker costs its start-up before it decodes anything: a
// Node environment, the worker bundle's compile, the kernels, and a cold JIT
// for its first inputs (100–160 ms to its first job on the 2-core EPYC, more
// before it runs at speed), and it slows the calling thread while it starts on
// a shared core. With J threads, W ms of work left and S ms of start-up, the
// workers finish sooner only when W > S + W / J, that is W > S · J / (J − 1).
//
//   inputs ──▶ calling thread decodes ──▶ callerMs ≥ 20 ms? ──no──▶ (next input here)
//                                              │ yes
//              count of inputs known? ──no──▶ start the workers (a long input, a stream)
//                    │ yes
//              inputs left × this thread's recent ms an input ≥ S · J / (J − 1)? ──▶ start / not yet
//
// The count comes from the caller, and may grow as it learns more (the CLI:
// one a file, a .tr's cylinders × heads once its header is read: JobCount in
// src/cli/jobs.ts); more inputs than it says count as unknown. The rate is the mean of the
// last RATE_INPUTS inputs decoded here once RATE_AFTER are done: the first
// inputs are slow (modules and kernels loading, the JIT warming: 45, 4–7, then
// 2.3–3 ms for a 3.3 MB .sr track here), and an early rate would start workers
// for a batch they cannot pay for. Before that, only a batch whose fastest input
// so far makes it four times too long starts them (the first input alone: only
// when it took longer than a start-up itself, a long capture).
//
// Measured (2026-11-27, `decode -A mfm=fields` of N × hdd_mfm_AMS1100M4.sr, 2
// cores, workers started at once): N = 100 took 0.49–0.53 s on one thread and
// 0.56–0.64 s with a worker; N = 150 about even; N = 200 0.88–1.18 s against
// 0.79–0.87 s; N = 300 1.18–1.53 s against 0.96–1.04 s: the break-even is
// ~130 inputs of ~2.6 ms, ~350 ms of work, against S · 2 / 1 = 400 ms here.

/** Decoding on the calling thread this long (ms) with more input coming may start the workers. */
export const CALLER_START_MS = 20;
/** A worker's start-up until it decodes at speed (ms), S above. */
export const WORKER_START_MS = 200;
/** The rate is the mean of this many of the latest inputs decoded here... */
export const RATE_INPUTS = 4;
/** ...once this many are done here (after 8, inputs 5-8 still ran 20-40 % slow, and 100 captures started a worker on a busy host). */
export const RATE_AFTER = 12;

/** The calling thread's decodes so far: how long they took. */
export class CallerPace {
  /** ms spent decoding here in all. */
  ms = 0;
  /** Inputs decoded here. */
  inputs = 0;
  /** The fastest input so far (ms). */
  minMs = Number.POSITIVE_INFINITY;
  private readonly latest = new Float64Array(RATE_INPUTS);

  add(ms: number): void {
    this.latest[this.inputs % RATE_INPUTS] = ms;
    this.ms += ms;
    this.inputs++;
    if (ms < this.minMs) this.minMs = ms;
  }

  /** Mean ms of the latest RATE_INPUTS inputs (of fewer while fewer are done; 0 before any). */
  recentMs(): number {
    const n = Math.min(this.inputs, RATE_INPUTS);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.latest[i];
    return n > 0 ? sum / n : 0;
  }
}

/**
 * Whether the workers should start now, before the next input is taken: `left`
 * inputs still to come, this one included (undefined: not known), `jobs` the
 * pool's threads (the calling thread and jobs − 1 workers).
 *
 * @example
 * const pace = new CallerPace();
 * for (const ms of [45, 5, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3]) pace.add(ms);
 * workersPay(pace, 88, 2); // false: ~264 ms left, less than a worker's start-up pays for
 * workersPay(pace, 1000, 2); // true
 */
export function workersPay(pace: CallerPace, left: number | undefined, jobs: number): boolean {
  if (jobs < 2 || pace.ms < CALLER_START_MS) return false;
  if (left === undefined) return true;
  if (left <= 0) return false;
  const pays = (WORKER_START_MS * jobs) / (jobs - 1);
  if (pace.inputs >= RATE_AFTER) return left * pace.recentMs() >= pays;
  // early: the fastest input so far, for a batch four times too long; the first input alone also
  // loads the modules and kernels (~45 ms here): it counts only when it outlasts a start-up by itself
  const fastest = pace.inputs >= 2 ? pace.minMs : pace.ms >= pays ? pace.ms : 0;
  return left * fastest >= 4 * pays;
}

/** The least a capture file takes to read and decode (ms; a small track at speed), for prestartPays. */
export const FAST_FILE_MS = 1;

/**
 * Whether the CLI should start the workers before it has decoded anything
 * (src/pool/node.ts prestartDecodeWorkers): only when `files` inputs would pay
 * for them even if each took FAST_FILE_MS. Otherwise the pool decides from the
 * rate it sees (workersPay), a few inputs in.
 */
export function prestartPays(files: number, jobs: number): boolean {
  return jobs >= 2 && files * FAST_FILE_MS >= (WORKER_START_MS * jobs) / (jobs - 1);
}
