/**
 * Test only (TEST_CLOCK_OFFSET_S, refused outside NODE_ENV=test): moves this whole
 * process's clock ahead, so a fault test can run the real worker or API process
 * "2.5 hours later" without waiting for them. Everything that reads the time — the
 * dispatcher, BullMQ's delayed jobs, timestamps written to MySQL — sees the same
 * shifted clock, as it would on a machine whose clock had moved; timers and
 * durations (setTimeout, performance.now) are untouched.
 */
export function shiftProcessClock(offsetMs: number): void {
  if (!offsetMs) return;
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return RealDate.now() + offsetMs;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
