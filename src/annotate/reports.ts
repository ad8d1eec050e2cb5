// Summary reports (spec §6.5) and index pulse handling (spec §6.6).
//
// The counters cover the span since the previous report; a report resets all
// ten of them, sets report_start to the current byte's end and reports_called
// to 0. Which event may trigger a report depends on the `report` option.

export type ReportSetting = "no" | "Index" | "IAM" | "IDAM" | "DAM" | "DDAM";

export const MARK_COUNTER = ["IAM", "IDAM", "DAM", "DDAM"] as const;

/** Receives a report: range and text. */
export type ReportSink = (start: number, end: number, text: string) => void;

export class Reporter {
  IAM = 0; IDAM = 0; DAM = 0; DDAM = 0;
  CRC_OK = 0; CRC_err = 0; EiPW = 0; CkEr = 0; OoTI = 0; Intrvls = 0;
  reportStart = 0;
  reportsCalled = 0;
  /** Index pulse counters of §6.6. */
  ip = 0;
  ipLast = 0;
  /** The most recent mark was a DAM or DDAM (the next CRC result tries a report). */
  lastMarkData = false;
  /** byte_start / byte_end of the most recently annotated byte. */
  byteStart = 0;
  byteEnd = 0;

  constructor(private readonly setting: ReportSetting, private readonly qty: number, private readonly sink: ReportSink) {}

  text(): string {
    return `Summary: IAM=${this.IAM}, IDAM=${this.IDAM}, DAM=${this.DAM}, DDAM=${this.DDAM}, CRC_OK=${this.CRC_OK}, ` +
      `CRC_err=${this.CRC_err}, EiPW=${this.EiPW}, CkEr=${this.CkEr}, OoTI=${this.OoTI}/${this.Intrvls}`;
  }

  /** Emits a report over [report_start, end] when reports_called ≥ report_qty. */
  private attempt(end: number): void {
    if (this.reportsCalled < this.qty) return;
    this.sink(this.reportStart, end, this.text());
    this.IAM = 0; this.IDAM = 0; this.DAM = 0; this.DDAM = 0;
    this.CRC_OK = 0; this.CRC_err = 0; this.EiPW = 0; this.CkEr = 0; this.OoTI = 0; this.Intrvls = 0;
    this.reportStart = this.byteEnd;
    this.reportsCalled = 0;
  }

  /** Index level x (0, 1, or anything else for "no index channel") at the data edge t. */
  index(x: number, t: number): void {
    if (x === 0 && this.ip === this.ipLast) {
      if (this.setting === "Index") {
        if (this.ip === this.qty) {
          this.reportsCalled = this.ip;
          this.attempt(t);
          this.ip = 0;
        } else if (this.ip === 0) {
          this.reportStart = t;
          this.ip = 1;
        } else {
          this.ip++;
        }
      } else {
        this.ip++;
      }
    } else if (x === 1 && this.ip !== this.ipLast) {
      this.ipLast = this.ip;
    }
  }

  /** A mark annotation (MARK_* kind) was emitted for the current byte. */
  mark(kind: number): void {
    const key = MARK_COUNTER[kind];
    this[key]++;
    this.lastMarkData = kind >= 2;
    if (this.setting === key) {
      this.reportsCalled = this[key];
      // IAM / IDAM report at once, ending at the start of the mark's last byte;
      // DAM / DDAM wait for the data CRC.
      if (kind < 2) this.attempt(this.byteStart);
    }
  }

  /** A CRC verdict was emitted for the current byte (the last CRC byte). */
  crc(ok: boolean): void {
    if (ok) this.CRC_OK++;
    else this.CRC_err++;
    if (this.lastMarkData) this.attempt(this.byteStart);
  }
}
