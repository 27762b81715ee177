/** A raw detection before overlap resolution and fingerprinting. */
export interface RawFinding {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  /** Higher wins when two findings overlap. */
  readonly priority: number;
}
