// Window tracking of the legacy decoder (§3.9): the current window [start, end)
// and its width, a running average over 32 windows.
//
//   acc   starts at 32·BC/2 (32 nominal windows); width = acc / 32
//   train an in-tolerance interval Δ worth w windows: acc −= width·w; acc += Δ
//
// Windows move forward one at a time, each starting where the previous ended.
// An edge inside the current window pulls its end towards the edge:
//
//   end += min((t − centre) / 1.75, width / 4)      centre = (start + end) / 2
//
// (the pull is capped when it lengthens the window, never when it shortens it).

export class WindowTracker {
  start = 0;
  end = 0;
  width = 0;
  private acc = 0;

  reset(bitCell: number): void {
    this.acc = (32 * bitCell) / 2;
    this.width = this.acc / 32;
    this.start = 0;
    this.end = this.width;
  }

  /** An in-tolerance interval of delta samples, worth `windows` windows. */
  train(delta: number, windows: number): void {
    this.acc -= this.width * windows;
    this.acc += delta;
    this.width = this.acc / 32;
  }

  /** The current window takes an edge at t (start ≤ t < end): move its end towards t. */
  pull(t: number): void {
    const centre = (this.start + this.end) / 2;
    let step = (t - centre) / 1.75;
    const cap = this.width / 4;
    if (step > cap) step = cap;
    this.end += step;
  }

  /** The next window starts where the current one ends. */
  advance(): void {
    this.start = this.end;
    this.end = this.start + this.width;
  }
}
