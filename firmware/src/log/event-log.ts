/**
 * EventLog: the append-only event log in flash.
 *
 * Inputs:  append(event) from the modules, consumeThrough(ackSeq) when the cloud acknowledged, beginBoot().
 * Outputs: seq numbers, pending(limit) for the uploader, stats() for diagnostics, recover() at boot.
 * States:  per erase block: erased | garbage (half-erased, bad header) | valid (header + records).
 *          The valid block with the highest generation is the head; every append goes there. One block is
 *          always kept free (erased or reclaimable) as the spare the next head is opened in.
 *
 * Layout of one block (all integers little-endian):
 *   header, 32 bytes: magic 'PCL1', gen u32, nextSeq u32, ackSeq u32, droppedTotal u32, boot u16, pad, crc32
 *   records, each padded to the write alignment with the crc32 in its last 4 bytes:
 *     event  0xE5: kind u8, nargs u8, flags u8 (bit0 unixS present, bit1 copied, bits4-7 TimeSource),
 *                  seq u32, uptimeS u32, boot u16, 0 u16, [unixS u32], args (u32 or i32 each), pad, crc32
 *     state  0xA7: level u8, boot u16, ackSeq u32, droppedTotal u32, retireGen u32, nextSeq u32, crc32
 *
 * Why it survives power cuts: records are only ever appended to erased bytes and carry their own CRC, so a
 * cut leaves at most one torn record (skipped on scan) and never touches older ones. Offsets only grow
 * inside a block; blocks are used in generation order round the ring, which spreads erases. Persistent
 * counters (seq, ack, dropped, boot) are in every head header and in state records; recovery takes the
 * maximum of everything it finds. Compaction writes a state record naming the block it retires before it
 * copies the keepers, so an interrupted compaction is finished at the next recovery.
 *
 * Overflow (no free block left when the head is full), cheapest first:
 *   1. reuse a block whose events are all acknowledged;
 *   2. compact the block with the most acknowledged bytes, keeping all pending events;
 *   3. compact the block with the most acknowledged + pending diagnostic bytes, keeping therapy events;
 *   4. last resort: drop the oldest block whole, therapy events included.
 * Every dropped pending event adds to droppedTotal and an Overflow event records the count.
 */
import type { Flash } from '../ports/ports.ts';
import { EVENT_ARITY, EventKind, THERAPY_EVENT_KINDS, TimeSource } from '../../../protocol/src/messages.ts';
import type { DeviceEvent } from '../../../protocol/src/messages.ts';
import { getLE, putLE, seal, sealed } from './crc32.ts';

export type StoredEvent = DeviceEvent & { unixS?: number; timeSource?: TimeSource };

export interface NewEvent {
  kind: EventKind;
  boot: number;
  uptimeS: number;
  unixS?: number;
  timeSource?: TimeSource;
  args: number[];
}

export interface EventLogOptions {
  firstBlock?: number;
  blockCount?: number;
}

export interface RecoveryReport {
  records: number; // valid event records found (pending or acknowledged)
  pendingRecords: number;
  corruptRecords: number; // torn or damaged regions skipped
  lastSeq: number; // highest seq ever assigned (0 if none)
  ackSeq: number;
  boot: number; // the last boot counter persisted (beginBoot() increments it)
  droppedTotal: number;
  validBlocks: number;
  garbageBlocks: number; // blocks with a damaged header (interrupted erase or header write)
  resumedCompaction: boolean;
}

export interface LogStats {
  count: number; // pending (unacknowledged) events
  oldestSeq: number; // 0 when empty
  newestSeq: number; // 0 when empty
  oldest?: StoredEvent; // the oldest pending event (its boot/uptime/unixS give the queue age)
  ackSeq: number;
  nextSeq: number;
  bytesUsed: number; // bytes written in blocks that still hold data
  capacityBytes: number; // usable bytes (all blocks but the spare)
  droppedTotal: number;
  blocksInUse: number;
  blockCount: number;
}

export class EventLogError extends Error {
  readonly code: 'invalid_event' | 'region_too_small';
  constructor(code: 'invalid_event' | 'region_too_small', message: string) {
    super(message);
    this.name = 'EventLogError';
    this.code = code;
  }
}

const BLOCK_MAGIC = 0x314c4350; // 'PCL1' little-endian
export const LOG_HEADER_SIZE = 32;
const EVENT_TAG = 0xe5;
const STATE_TAG = 0xa7;
const EVENT_FIXED = 16;
const NO_GEN = 0xffffffff;
const FLAG_UNIX = 1;
const FLAG_COPIED = 2;
const MAX_ARGS = 4;

const LEVEL_KEEP_PENDING = 1;
const LEVEL_KEEP_THERAPY = 2;
const LEVEL_DROP_ALL = 3;

/** What a block holds (module-internal: a const enum the build inlines). */
const enum BlockState {
  Erased,
  Garbage,
  Valid,
}

/** In-RAM summary of one block; module-internal, so its fields carry the trailing `_` the build shortens. */
interface BlockInfo {
  index_: number; // physical block within the region
  state_: BlockState;
  gen_: number;
  writeOffset_: number;
  events_: number;
  minSeq_: number; // minSeq_ and maxSeq_ mean something only while events_ > 0
  maxSeq_: number;
}

/** One record as parsed from flash (module-internal: `_` names are shortened by the build). */
interface ParsedRecord {
  size_: number;
  event_?: StoredEvent; // an event record; otherwise a state record with the fields below
  boot_?: number;
  ackSeq_?: number;
  droppedTotal_?: number;
  retireGen_?: number;
  level_?: number;
  nextSeq_?: number;
}

function isTherapy(kind: number): boolean {
  return THERAPY_EVENT_KINDS.indexOf(kind as EventKind) >= 0;
}

function isSignedArg(kind: number, index: number): boolean {
  return kind === EventKind.TimeSet && index === 2;
}

/** Consecutive little-endian u32 fields from `at`. */
function putWords(buf: Uint8Array, at: number, words: number[]): void {
  for (let i = 0; i < words.length; i++) putLE(buf, at + 4 * i, words[i]);
}

function allErased(buf: Uint8Array, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0xff) return false;
  return true;
}

function noteEvent(info: BlockInfo, seq: number): void {
  if (info.events_ === 0 || seq < info.minSeq_) info.minSeq_ = seq;
  if (info.events_ === 0 || seq > info.maxSeq_) info.maxSeq_ = seq;
  info.events_++;
}

export class EventLog {
  private readonly flash_: Flash;
  private readonly first_: number;
  private readonly count_: number;
  private readonly blockSize_: number;
  private readonly align_: number;
  private readonly stateSize_: number;
  private blocks_: BlockInfo[] = [];
  private head_: BlockInfo | undefined; // the valid block with the highest generation
  private seqNext_ = 1;
  private acked_ = 0;
  private dropped_ = 0;
  private bootCounter_ = 0;
  private version_ = 0;
  private pendingCache_: { version_: number; limit_: number; events_: StoredEvent[] } | undefined;
  private statsCache_: { version_: number; stats_: LogStats } | undefined;
  private recovered_ = false;

  constructor(flash: Flash, options: EventLogOptions = {}) {
    this.flash_ = flash;
    this.first_ = options.firstBlock ?? 0;
    this.count_ = options.blockCount ?? flash.blockCount - this.first_;
    this.blockSize_ = flash.blockSize;
    this.align_ = flash.writeAlign;
    if (this.count_ < 3 || this.first_ + this.count_ > flash.blockCount) {
      throw new EventLogError('region_too_small', `event log needs 3..${flash.blockCount - this.first_} blocks, got ${this.count_}`);
    }
    this.stateSize_ = this.padded_(24);
  }

  get nextSeq(): number {
    return this.seqNext_;
  }
  get ackSeq(): number {
    return this.acked_;
  }
  get droppedTotal(): number {
    return this.dropped_;
  }
  get boot(): number {
    return this.bootCounter_;
  }

  /** Size in flash of one event record with `nargs` arguments. */
  recordSize(nargs: number, withUnix: boolean): number {
    return this.padded_(EVENT_FIXED + (withUnix ? 4 : 0) + 4 * nargs + 4);
  }

  // ---------------------------------------------------------------------------------------------------
  // Recovery

  /** Scan the whole region after a reset and rebuild the in-RAM summary. Call once before anything else. */
  recover(): RecoveryReport {
    this.blocks_ = [];
    this.head_ = undefined;
    this.seqNext_ = 1;
    let records = 0;
    let corrupt = 0;
    let garbage = 0;
    let valid = 0;
    const retirements: [gen: number, level: number][] = [];
    for (let i = 0; i < this.count_; i++) {
      const buf = this.readBlock_(i);
      const info: BlockInfo = { index_: i, state_: BlockState.Erased, gen_: 0, writeOffset_: 0, events_: 0, minSeq_: 0, maxSeq_: 0 };
      this.blocks_.push(info);
      if (getLE(buf, 0) !== BLOCK_MAGIC || !sealed(buf, 0, 28)) {
        if (!allErased(buf, 0)) {
          info.state_ = BlockState.Garbage;
          garbage++;
        }
        continue;
      }
      valid++;
      info.state_ = BlockState.Valid;
      info.gen_ = getLE(buf, 4);
      if (!this.head_ || info.gen_ > this.head_.gen_) this.head_ = info;
      this.raise_(getLE(buf, 8), getLE(buf, 12), getLE(buf, 16), getLE(buf, 20, 2));
      const scan = this.scanRecords_(buf, (r) => {
        const e = r.event_;
        if (e) {
          records++;
          noteEvent(info, e.seq);
          this.raise_(e.seq + 1, 0, 0, e.boot);
        } else {
          this.raise_(r.nextSeq_ as number, r.ackSeq_ as number, r.droppedTotal_ as number, r.boot_ as number);
          if (r.retireGen_ !== NO_GEN) retirements.push([r.retireGen_ as number, r.level_ as number]);
        }
      });
      corrupt += scan.damaged;
      info.writeOffset_ = scan.end;
    }
    this.seqNext_ = Math.max(this.seqNext_, this.acked_ + 1);
    // generations are unique among valid blocks, so each retirement names at most one
    let resumed = 0;
    for (let i = 0; i < retirements.length; i++) {
      for (let k = 0; k < this.count_; k++) {
        const victim = this.blocks_[k];
        if (victim.state_ === BlockState.Valid && victim.gen_ === retirements[i][0] && victim !== this.head_) {
          this.finishCompaction_(victim, retirements[i][1]);
          resumed++;
        }
      }
    }
    this.recovered_ = true;
    this.touch_();
    return {
      records,
      pendingRecords: this.stats().count,
      corruptRecords: corrupt,
      lastSeq: this.seqNext_ - 1,
      ackSeq: this.acked_,
      boot: this.bootCounter_,
      droppedTotal: this.dropped_,
      validBlocks: valid - resumed, // a finished compaction erased its victim
      garbageBlocks: garbage,
      resumedCompaction: resumed > 0,
    };
  }

  /** Start a new boot: increments and persists the boot counter, returns the new value. */
  beginBoot(): number {
    this.ensureRecovered_();
    this.bootCounter_ = Math.min(this.bootCounter_ + 1, 0xffff);
    this.writeState_(NO_GEN, 0);
    return this.bootCounter_;
  }

  // ---------------------------------------------------------------------------------------------------
  // Writing

  /** Append one event; returns its seq. Never refuses a valid event: when full it drops older ones (see top). */
  append(e: NewEvent): number {
    this.ensureRecovered_();
    const arity = EVENT_ARITY[e.kind];
    const args = e.args;
    if (arity === undefined || args.length !== arity) {
      throw new EventLogError('invalid_event', `event kind ${e.kind} needs ${arity} args, got ${args.length}`);
    }
    for (let i = 0; i < args.length; i++) {
      const v = args[i];
      const lo = isSignedArg(e.kind, i) ? -0x80000000 : 0;
      if (typeof v !== 'number' || Math.floor(v) !== v || v < lo || v > lo + 0xffffffff) {
        throw new EventLogError('invalid_event', `event kind ${e.kind} arg ${i} out of range: ${v}`);
      }
    }
    if (Math.floor(e.uptimeS) !== e.uptimeS || e.uptimeS < 0 || e.uptimeS > 0xffffffff || e.boot < 0 || e.boot > 0xffff) {
      throw new EventLogError('invalid_event', `bad time stamp boot=${e.boot} uptimeS=${e.uptimeS}`);
    }
    return this.add_(e.kind, args.slice(), e);
  }

  /** The cloud holds every event up to `seq`: persist that so they are never sent again. */
  consumeThrough(seq: number): void {
    this.ensureRecovered_();
    const target = Math.min(seq, this.seqNext_ - 1);
    if (!(target > this.acked_)) return;
    this.acked_ = target;
    this.writeState_(NO_GEN, 0);
  }

  // ---------------------------------------------------------------------------------------------------
  // Reading

  /** The oldest `limit` unacknowledged events, ascending seq. */
  pending(limit: number): StoredEvent[] {
    this.ensureRecovered_();
    if (this.pendingCache_ && this.pendingCache_.version_ === this.version_ && this.pendingCache_.limit_ >= limit) {
      return this.pendingCache_.events_.slice(0, limit);
    }
    const out: StoredEvent[] = [];
    const order = this.validBlocksByGen_();
    for (let i = 0; i < order.length; i++) {
      const b = order[i];
      if (b.events_ === 0 || b.maxSeq_ <= this.acked_) continue;
      if (out.length >= limit && b.minSeq_ > out[out.length - 1].seq) continue;
      this.scanBlock_(b, (r) => {
        const e = r.event_;
        if (!e || e.seq <= this.acked_) return;
        if (out.length >= limit && e.seq >= out[out.length - 1].seq) return;
        let at = out.length;
        while (at > 0 && out[at - 1].seq > e.seq) at--;
        if (at > 0 && out[at - 1].seq === e.seq) return; // duplicate from an interrupted compaction
        out.splice(at, 0, e);
        if (out.length > limit) out.length = limit;
      });
    }
    this.pendingCache_ = { version_: this.version_, limit_: limit, events_: out.slice() };
    return out;
  }

  stats(): LogStats {
    this.ensureRecovered_();
    if (this.statsCache_ && this.statsCache_.version_ === this.version_) return this.statsCache_.stats_;
    let count = 0;
    let newest = 0;
    let bytesUsed = 0;
    let inUse = 0;
    for (let i = 0; i < this.blocks_.length; i++) {
      const b = this.blocks_[i];
      if (b.state_ !== BlockState.Valid) continue;
      const holdsPending = b.events_ > 0 && b.maxSeq_ > this.acked_;
      if (!holdsPending && b !== this.head_) continue;
      inUse++;
      bytesUsed += b.writeOffset_;
      if (!holdsPending) continue;
      if (b.maxSeq_ > newest) newest = b.maxSeq_;
      if (b.minSeq_ > this.acked_) {
        count += b.events_;
      } else {
        this.scanBlock_(b, (r) => {
          if (r.event_ && r.event_.seq > this.acked_) count++;
        });
      }
    }
    const oldest = count > 0 ? this.pending(1)[0] : undefined;
    const stats: LogStats = {
      count,
      oldestSeq: oldest ? oldest.seq : 0,
      newestSeq: count > 0 ? newest : 0,
      ackSeq: this.acked_,
      nextSeq: this.seqNext_,
      bytesUsed,
      capacityBytes: (this.count_ - 1) * this.blockSize_,
      droppedTotal: this.dropped_,
      blocksInUse: inUse,
      blockCount: this.count_,
    };
    if (oldest) stats.oldest = oldest;
    this.statsCache_ = { version_: this.version_, stats_: stats };
    return stats;
  }

  /** Every valid event record still in flash (acknowledged or not), ascending seq; for tests and tools. */
  allRecords(): StoredEvent[] {
    this.ensureRecovered_();
    const out: StoredEvent[] = [];
    const order = this.validBlocksByGen_();
    for (let i = 0; i < order.length; i++) {
      this.scanBlock_(order[i], (r) => {
        if (r.event_) out.push(r.event_);
      });
    }
    out.sort((a, b) => a.seq - b.seq);
    return out;
  }

  // ---------------------------------------------------------------------------------------------------
  // Internals

  private ensureRecovered_(): void {
    if (!this.recovered_) this.recover();
  }

  private touch_(): void {
    this.version_++;
    // A stale cache is never read again: drop it now rather than keep a batch of events alive until the
    // next pending() call (RAM, not behaviour).
    this.pendingCache_ = undefined;
  }

  private padded_(n: number): number {
    return Math.ceil(n / this.align_) * this.align_;
  }

  /** Flash address of block `i` of the region. */
  private addr_(i: number): number {
    return (this.first_ + i) * this.blockSize_;
  }

  private readBlock_(i: number): Uint8Array {
    return this.flash_.read(this.addr_(i), this.blockSize_);
  }

  private scanBlock_(b: BlockInfo, visit: (r: ParsedRecord) => void): void {
    this.scanRecords_(this.readBlock_(b.index_), visit);
  }

  private validBlocksByGen_(): BlockInfo[] {
    const out: BlockInfo[] = [];
    for (let i = 0; i < this.blocks_.length; i++) if (this.blocks_[i].state_ === BlockState.Valid) out.push(this.blocks_[i]);
    out.sort((a, b) => a.gen_ - b.gen_);
    return out;
  }

  /** Recovery keeps the highest value of each persistent counter it finds. */
  private raise_(nextSeq: number, ackSeq: number, droppedTotal: number, boot: number): void {
    this.seqNext_ = Math.max(this.seqNext_, nextSeq);
    this.acked_ = Math.max(this.acked_, ackSeq);
    this.dropped_ = Math.max(this.dropped_, droppedTotal);
    this.bootCounter_ = Math.max(this.bootCounter_, boot);
  }

  /** Walk the records of one block; `end` is the first offset after which the block is erased. */
  private scanRecords_(buf: Uint8Array, visit: (r: ParsedRecord) => void): { end: number; damaged: number } {
    let off = LOG_HEADER_SIZE;
    let damaged = 0;
    let inDamage = false;
    while (off < buf.length) {
      if (buf[off] === 0xff && allErased(buf, off)) break;
      const r = this.parseRecord_(buf.subarray(off));
      if (r) {
        visit(r);
        off += r.size_;
        inDamage = false;
      } else {
        if (!inDamage) damaged++;
        inDamage = true;
        off += this.align_;
      }
    }
    // bytes of a torn record beyond `end` are erased: writing continues at `end`
    return { end: Math.min(off, buf.length), damaged };
  }

  /** The record at the start of `rec` (a view from the record to the end of its block). */
  private parseRecord_(rec: Uint8Array): ParsedRecord | undefined {
    const tag = rec[0];
    const nargs = rec[2];
    const flags = rec[3];
    let size: number;
    if (tag === EVENT_TAG) {
      if (rec.length < EVENT_FIXED || nargs > MAX_ARGS) return undefined;
      size = this.recordSize(nargs, (flags & FLAG_UNIX) > 0);
    } else if (tag === STATE_TAG) {
      size = this.stateSize_;
    } else {
      return undefined;
    }
    if (size > rec.length || !sealed(rec, 0, size - 4)) return undefined;
    if (tag === STATE_TAG) {
      return {
        size_: size,
        level_: rec[1],
        boot_: getLE(rec, 2, 2),
        ackSeq_: getLE(rec, 4),
        droppedTotal_: getLE(rec, 8),
        retireGen_: getLE(rec, 12),
        nextSeq_: getLE(rec, 16),
      };
    }
    const kind = rec[1] as EventKind;
    const event: StoredEvent = { seq: getLE(rec, 4), boot: getLE(rec, 12, 2), uptimeS: getLE(rec, 8), kind, args: [] };
    let p = EVENT_FIXED;
    if (flags & FLAG_UNIX) {
      event.unixS = getLE(rec, p);
      event.timeSource = (flags >> 4) as TimeSource;
      p += 4;
    }
    for (let i = 0; i < nargs; i++, p += 4) {
      const v = getLE(rec, p);
      event.args.push(isSignedArg(kind, i) ? v | 0 : v);
    }
    return { size_: size, event_: event };
  }

  /** `flags` is 0 or FLAG_COPIED. */
  private encodeEvent_(e: StoredEvent, flags: number): Uint8Array {
    const withUnix = e.unixS !== undefined;
    const size = this.recordSize(e.args.length, withUnix);
    const buf = new Uint8Array(size);
    buf[0] = EVENT_TAG;
    buf[1] = e.kind;
    buf[2] = e.args.length;
    buf[3] = flags | (withUnix ? FLAG_UNIX | ((e.timeSource || 0) << 4) : 0);
    putWords(buf, 4, [e.seq, e.uptimeS]);
    putLE(buf, 12, e.boot, 2);
    // a signed argument is stored as its two's complement, as DataView's setInt32 would
    putWords(buf, EVENT_FIXED, withUnix ? [e.unixS as number].concat(e.args) : e.args);
    seal(buf, size - 4);
    return buf;
  }

  /** Stores one event stamped with the time of `at`: the appended event, or the cause of an Overflow. */
  private add_(kind: EventKind, args: number[], at: NewEvent): number {
    const event: StoredEvent = { seq: this.seqNext_++, boot: at.boot, uptimeS: at.uptimeS, kind, args };
    const unixS = at.unixS;
    // a wall time that does not fit the record's u32 is left out (the event keeps boot + uptime), and an
    // Overflow takes its cause's wall time under the same rule
    if (unixS !== undefined && unixS >= 0 && unixS <= 0xffffffff) {
      event.unixS = unixS - (unixS % 1);
      if (at.timeSource !== undefined) event.timeSource = at.timeSource;
    }
    const droppedBefore = this.dropped_;
    this.write_(this.encodeEvent_(event, 0), event.seq);
    // writing can force a reclaim that drops events; the Overflow event can itself force another one
    if (this.dropped_ > droppedBefore) this.add_(EventKind.Overflow, [this.dropped_ - droppedBefore], at);
    return event.seq;
  }

  private writeState_(retireGen: number, level: number): void {
    const buf = new Uint8Array(this.stateSize_);
    buf[0] = STATE_TAG;
    buf[1] = level;
    putLE(buf, 2, this.bootCounter_, 2);
    putWords(buf, 4, [this.acked_, this.dropped_, retireGen, this.seqNext_]);
    seal(buf, this.stateSize_ - 4);
    this.write_(buf);
  }

  /** Appends a record at the head, opening a new head (and reclaiming space) if needed; `seq` of an event. */
  private write_(bytes: Uint8Array, seq?: number): void {
    if (!this.head_ || this.head_.writeOffset_ + bytes.length > this.blockSize_) {
      const spare = this.findFree_();
      if (!spare) throw new EventLogError('region_too_small', 'no spare block (log invariant broken)');
      this.openHead_(spare);
      // keep one block free for the next roll
      if (!this.findFree_(this.head_)) this.reclaim_();
    }
    this.put_(this.head_ as BlockInfo, bytes, seq);
    this.touch_();
  }

  private put_(head: BlockInfo, bytes: Uint8Array, seq?: number): void {
    this.flash_.write(this.addr_(head.index_) + head.writeOffset_, bytes);
    head.writeOffset_ += bytes.length;
    if (seq !== undefined) noteEvent(head, seq);
  }

  /** A block that can be (erased and) used as the next head, preferring the ring order after the head. */
  private findFree_(exclude?: BlockInfo): BlockInfo | undefined {
    const start = this.head_ ? this.head_.index_ + 1 : 0;
    for (let k = 0; k < this.count_; k++) {
      const b = this.blocks_[(start + k) % this.count_];
      if (b === this.head_ || b === exclude) continue;
      // erased, garbage, or fully acknowledged (only the head may hold the sole copy of a newer counter)
      if (b.state_ !== BlockState.Valid || b.events_ === 0 || b.maxSeq_ <= this.acked_) return b;
    }
    return undefined;
  }

  private openHead_(b: BlockInfo): void {
    this.flash_.eraseBlock(this.first_ + b.index_);
    const gen = this.head_ ? this.head_.gen_ + 1 : 1;
    const buf = new Uint8Array(LOG_HEADER_SIZE).fill(0xff);
    putWords(buf, 0, [BLOCK_MAGIC, gen, this.seqNext_, this.acked_, this.dropped_]);
    putLE(buf, 20, this.bootCounter_, 2);
    seal(buf, 28);
    b.state_ = BlockState.Garbage; // until the header is down
    this.flash_.write(this.addr_(b.index_), buf);
    b.state_ = BlockState.Valid;
    b.gen_ = gen;
    b.writeOffset_ = LOG_HEADER_SIZE;
    b.events_ = 0;
    this.head_ = b;
    this.touch_();
  }

  /** Make one non-head block free, dropping as little as the policy allows. */
  private reclaim_(): void {
    // worth compacting only if it frees room for a state record, two events and the new header
    const threshold = this.stateSize_ + this.recordSize(MAX_ARGS, true) * 2 + LOG_HEADER_SIZE;
    let bestAcked: BlockInfo | undefined;
    let bestAckedBytes = 0;
    let bestDiag: BlockInfo | undefined;
    let bestDiagBytes = 0;
    let oldest: BlockInfo | undefined;
    for (let i = 0; i < this.blocks_.length; i++) {
      const b = this.blocks_[i];
      if (b.state_ !== BlockState.Valid || b === this.head_) continue;
      if (!oldest || b.gen_ < oldest.gen_) oldest = b;
      let ackedBytes = LOG_HEADER_SIZE + this.blockSize_ - b.writeOffset_;
      let diagBytes = 0;
      this.scanBlock_(b, (r) => {
        if (!r.event_ || r.event_.seq <= this.acked_) ackedBytes += r.size_;
        else if (!isTherapy(r.event_.kind)) diagBytes += r.size_;
      });
      if (ackedBytes > bestAckedBytes) {
        bestAckedBytes = ackedBytes;
        bestAcked = b;
      }
      if (ackedBytes + diagBytes > bestDiagBytes) {
        bestDiagBytes = ackedBytes + diagBytes;
        bestDiag = b;
      }
    }
    if (bestAcked && bestAckedBytes >= threshold) this.compact_(bestAcked, LEVEL_KEEP_PENDING);
    else if (bestDiag && bestDiagBytes >= threshold) this.compact_(bestDiag, LEVEL_KEEP_THERAPY);
    else if (oldest) this.compact_(oldest, LEVEL_DROP_ALL);
  }

  private keeps_(level: number, e: StoredEvent): boolean {
    return e.seq > this.acked_ && (level === LEVEL_KEEP_PENDING || (level === LEVEL_KEEP_THERAPY && isTherapy(e.kind)));
  }

  private compact_(victim: BlockInfo, level: number): void {
    this.scanBlock_(victim, (r) => {
      if (r.event_ && r.event_.seq > this.acked_ && !this.keeps_(level, r.event_)) this.dropped_++;
    });
    // the state record names the victim first, so a cut during the copy is finished by recovery
    this.writeState_(victim.gen_, level);
    this.finishCompaction_(victim, level);
  }

  private finishCompaction_(victim: BlockInfo, level: number): void {
    const head = this.head_ as BlockInfo;
    const present: number[] = [];
    this.scanBlock_(head, (r) => {
      if (r.event_) present.push(r.event_.seq);
    });
    const keepers: StoredEvent[] = [];
    this.scanBlock_(victim, (r) => {
      if (r.event_ && this.keeps_(level, r.event_) && present.indexOf(r.event_.seq) < 0) keepers.push(r.event_);
    });
    for (let i = 0; i < keepers.length; i++) {
      const bytes = this.encodeEvent_(keepers[i], FLAG_COPIED);
      // cannot happen with the reclaim threshold; if it ever does, it is counted, not silent
      if (head.writeOffset_ + bytes.length > this.blockSize_) this.dropped_++;
      else this.put_(head, bytes, keepers[i].seq);
    }
    // an erased block's other fields are read again only after openHead_ sets them
    this.flash_.eraseBlock(this.first_ + victim.index_);
    victim.state_ = BlockState.Erased;
    this.touch_();
  }
}
