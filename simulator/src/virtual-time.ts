/**
 * Discrete-event virtual time for the simulator.
 *
 * CONTRACT (used by the simulated ports, the device runner and S2's modem emulator / MQTT bridge):
 *
 *  - `now()` is the current virtual time in milliseconds (starts at 0). It only moves inside `run()`.
 *  - `at(ms, cb)` / `after(ms, cb)` schedule `cb` at an absolute / relative virtual time and return a handle
 *    for `cancel(handle)`. A time in the past is clamped to `now()`. Callbacks run to completion, one at a
 *    time; a callback may schedule, cancel and `hold()`.
 *  - Equal times run in FIFO order of scheduling (a global insertion counter breaks ties), so a run is
 *    deterministic for a given sequence of calls.
 *  - `hold(promise)`: real I/O (an MQTT round trip to a real broker) can stop virtual time from advancing.
 *    While any held promise is unsettled, `run()` does not start the next event, not even one scheduled for
 *    the current instant; it awaits the held promises (in real time) and then continues. The usual pattern:
 *        vt.hold(client.publishAsync(...).then(() => vt.after(realisticDelayMs, deliverPubAck)))
 *    so the reaction is scheduled "now + realistic delay" before time is allowed to move on. A rejected
 *    held promise does not abort the run; whoever created it handles the error (its `.then/.catch`).
 *  - `run(untilMs)` processes every event with time <= untilMs in order, then sets `now()` to untilMs.
 *    It is async only because of `hold()`; with nothing held it never yields to the event loop except
 *    every `yieldEvery` events (so progress callbacks and sockets get a turn in long runs).
 *  - An exception thrown by a callback propagates out of `run()` (the device runner wraps firmware callbacks
 *    itself and turns crashes into resets).
 */

export type VirtualTimerHandle = number;

interface Entry {
  time: number;
  order: number;
  handle: VirtualTimerHandle;
  callback: () => void;
}

export class VirtualTime {
  private current = 0;
  private order = 0;
  private nextHandle = 1;
  private readonly heap: Entry[] = [];
  private readonly live = new Map<VirtualTimerHandle, Entry>();
  private readonly held = new Set<Promise<unknown>>();
  private running = false;
  /** Events executed since creation (for benchmarks and progress). */
  eventsRun = 0;
  /** Promises held, and real milliseconds `run()` spent waiting for them (for benchmarks). */
  holds = 0;
  heldRealMs = 0;

  constructor(private readonly yieldEvery = 20_000) {}

  now(): number {
    return this.current;
  }

  at(ms: number, callback: () => void): VirtualTimerHandle {
    if (!Number.isFinite(ms)) throw new RangeError(`virtual time: bad time ${ms}`);
    const entry: Entry = { time: Math.max(ms, this.current), order: this.order++, handle: this.nextHandle++, callback };
    this.live.set(entry.handle, entry);
    this.push(entry);
    return entry.handle;
  }

  after(ms: number, callback: () => void): VirtualTimerHandle {
    return this.at(this.current + Math.max(0, ms), callback);
  }

  cancel(handle: VirtualTimerHandle): void {
    // Lazy deletion: the entry stays in the heap but is skipped when popped.
    this.live.delete(handle);
  }

  /** Number of scheduled (not cancelled) events. */
  pending(): number {
    return this.live.size;
  }

  /** Time of the next live event, or undefined. */
  nextTime(): number | undefined {
    this.dropCancelledTop();
    return this.heap.length > 0 ? this.heap[0].time : undefined;
  }

  hold(promise: Promise<unknown>): void {
    const tracked = promise.then(
      () => undefined,
      () => undefined,
    );
    this.holds++;
    this.held.add(tracked);
    void tracked.then(() => this.held.delete(tracked));
  }

  /** True while some held promise is unsettled. */
  isHeld(): boolean {
    return this.held.size > 0;
  }

  async run(untilMs: number): Promise<void> {
    if (this.running) throw new Error('virtual time: run() is not re-entrant');
    this.running = true;
    try {
      let sinceYield = 0;
      for (;;) {
        if (this.held.size > 0) {
          const waitFrom = performance.now();
          while (this.held.size > 0) await Promise.all([...this.held]);
          this.heldRealMs += performance.now() - waitFrom;
        }
        this.dropCancelledTop();
        const top = this.heap[0];
        if (top === undefined || top.time > untilMs) break;
        this.pop();
        this.live.delete(top.handle);
        this.current = top.time;
        this.eventsRun++;
        top.callback();
        if (++sinceYield >= this.yieldEvery) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      if (untilMs > this.current) this.current = untilMs;
    } finally {
      this.running = false;
    }
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && !this.live.has(this.heap[0].handle)) this.pop();
  }

  private less(a: Entry, b: Entry): boolean {
    return a.time < b.time || (a.time === b.time && a.order < b.order);
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.less(heap[l], heap[m])) m = l;
        if (r < heap.length && this.less(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
}
