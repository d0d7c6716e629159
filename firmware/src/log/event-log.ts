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
import { crc32 } from './crc32.ts';

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
  minSeq_: number;
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

/** Little-endian u32 field of a header or record. */
function get32(dv: DataView, at: number): number {
  return dv.getUint32(at, true);
}

function set32(dv: DataView, at: number, v: number): void {
  dv.setUint32(at, v, true);
}

/** Writes the crc32 of `buf[0, end)` at `end` (the last field of headers and records). */
function seal(buf: Uint8Array, dv: DataView, end: number): void {
  set32(dv, end, crc32(buf, 0, end));
}

function isSignedArg(kind: number, index: number): boolean {
  return kind === EventKind.TimeSet && index === 2;
}

export class EventLog {
  private readonly flash_: Flash;
  private readonly first_: number;
  private readonly count_: number;
  private readonly blockSize_: number;
  private readonly align_: number;
  private readonly maxRecordSize_: number;
  private readonly stateSize_: number;
  private blocks_: BlockInfo[] = [];
  private head_: BlockInfo | undefined;
  private maxGen_ = 0;
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
    this.first_ = options.firstBlock === undefined ? 0 : options.firstBlock;
    this.count_ = options.blockCount === undefined ? flash.blockCount - this.first_ : options.blockCount;
    this.blockSize_ = flash.blockSize;
    this.align_ = flash.writeAlign;
    if (this.count_ < 3 || this.first_ + this.count_ > flash.blockCount) {
      throw new EventLogError('region_too_small', `event log needs 3..${flash.blockCount - this.first_} blocks, got ${this.count_}`);
    }
    this.maxRecordSize_ = this.padded_(EVENT_FIXED + 4 + 4 * MAX_ARGS + 4);
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
    this.maxGen_ = 0;
    let maxSeq = 0;
    let headerNextSeq = 1;
    let records = 0;
    let corrupt = 0;
    let garbage = 0;
    const retirements: [gen: number, level: number][] = [];
    for (let i = 0; i < this.count_; i++) {
      const buf = this.readBlock_(i);
      const info: BlockInfo = { index_: i, state_: BlockState.Erased, gen_: 0, writeOffset_: 0, events_: 0, minSeq_: 0, maxSeq_: 0 };
      this.blocks_.push(info);
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      if (get32(dv, 0) !== BLOCK_MAGIC || get32(dv, 28) !== crc32(buf, 0, 28)) {
        if (!this.allErased_(buf, 0)) {
          info.state_ = BlockState.Garbage;
          garbage++;
        }
        continue;
      }
      info.state_ = BlockState.Valid;
      info.gen_ = get32(dv, 4);
      if (info.gen_ > this.maxGen_) this.maxGen_ = info.gen_;
      headerNextSeq = Math.max(headerNextSeq, get32(dv, 8));
      this.acked_ = Math.max(this.acked_, get32(dv, 12));
      this.dropped_ = Math.max(this.dropped_, get32(dv, 16));
      this.bootCounter_ = Math.max(this.bootCounter_, dv.getUint16(20, true));
      const scan = this.scanRecords_(buf, (r) => {
        if (r.event_) {
          records++;
          this.noteEvent_(info, r.event_.seq);
          if (r.event_.seq > maxSeq) maxSeq = r.event_.seq;
          if (r.event_.boot > this.bootCounter_) this.bootCounter_ = r.event_.boot;
        } else {
          this.acked_ = Math.max(this.acked_, r.ackSeq_ as number);
          this.dropped_ = Math.max(this.dropped_, r.droppedTotal_ as number);
          this.bootCounter_ = Math.max(this.bootCounter_, r.boot_ as number);
          headerNextSeq = Math.max(headerNextSeq, r.nextSeq_ as number);
          if (r.retireGen_ !== NO_GEN) retirements.push([r.retireGen_ as number, r.level_ as number]);
        }
      });
      corrupt += scan.damaged;
      info.writeOffset_ = scan.end;
    }
    for (let i = 0; i < this.blocks_.length; i++) {
      const b = this.blocks_[i];
      if (b.state_ === BlockState.Valid && (this.head_ === undefined || b.gen_ > this.head_.gen_)) this.head_ = b;
    }
    this.seqNext_ = Math.max(maxSeq + 1, headerNextSeq, this.acked_ + 1);
    let resumed = false;
    for (let i = 0; i < retirements.length; i++) {
      const victim = this.blockByGen_(retirements[i][0]);
      if (victim && victim !== this.head_) {
        this.finishCompaction_(victim, retirements[i][1]);
        resumed = true;
      }
    }
    this.recovered_ = true;
    this.touch_();
    let valid = 0;
    for (let i = 0; i < this.blocks_.length; i++) if (this.blocks_[i].state_ === BlockState.Valid) valid++;
    return {
      records,
      pendingRecords: this.stats().count,
      corruptRecords: corrupt,
      lastSeq: this.seqNext_ - 1,
      ackSeq: this.acked_,
      boot: this.bootCounter_,
      droppedTotal: this.dropped_,
      validBlocks: valid,
      garbageBlocks: garbage,
      resumedCompaction: resumed,
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
    if (arity === undefined || e.args.length !== arity) {
      throw new EventLogError('invalid_event', `event kind ${e.kind} needs ${arity} args, got ${e.args.length}`);
    }
    for (let i = 0; i < e.args.length; i++) {
      const v = e.args[i];
      const lo = isSignedArg(e.kind, i) ? -0x80000000 : 0;
      const hi = isSignedArg(e.kind, i) ? 0x7fffffff : 0xffffffff;
      if (typeof v !== 'number' || Math.floor(v) !== v || v < lo || v > hi) {
        throw new EventLogError('invalid_event', `event kind ${e.kind} arg ${i} out of range: ${v}`);
      }
    }
    if (Math.floor(e.uptimeS) !== e.uptimeS || e.uptimeS < 0 || e.uptimeS > 0xffffffff || e.boot < 0 || e.boot > 0xffff) {
      throw new EventLogError('invalid_event', `bad time stamp boot=${e.boot} uptimeS=${e.uptimeS}`);
    }
    const seq = this.seqNext_;
    this.seqNext_++;
    const event: StoredEvent = { seq, boot: e.boot, uptimeS: e.uptimeS, kind: e.kind, args: e.args.slice() };
    if (e.unixS !== undefined && e.unixS >= 0 && e.unixS <= 0xffffffff) {
      event.unixS = Math.floor(e.unixS);
      if (e.timeSource !== undefined) event.timeSource = e.timeSource;
    }
    const droppedBefore = this.dropped_;
    this.writeEvent_(event);
    if (this.dropped_ > droppedBefore) this.recordOverflow_(this.dropped_ - droppedBefore, e);
    return seq;
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

  private allErased_(buf: Uint8Array, from: number): boolean {
    for (let i = from; i < buf.length; i++) if (buf[i] !== 0xff) return false;
    return true;
  }

  private blockByGen_(gen: number): BlockInfo | undefined {
    for (let i = 0; i < this.blocks_.length; i++) if (this.blocks_[i].state_ === BlockState.Valid && this.blocks_[i].gen_ === gen) return this.blocks_[i];
    return undefined;
  }

  private validBlocksByGen_(): BlockInfo[] {
    const out: BlockInfo[] = [];
    for (let i = 0; i < this.blocks_.length; i++) if (this.blocks_[i].state_ === BlockState.Valid) out.push(this.blocks_[i]);
    out.sort((a, b) => a.gen_ - b.gen_);
    return out;
  }

  private noteEvent_(info: BlockInfo, seq: number): void {
    if (info.events_ === 0 || seq < info.minSeq_) info.minSeq_ = seq;
    if (info.events_ === 0 || seq > info.maxSeq_) info.maxSeq_ = seq;
    info.events_++;
  }

  /** Walk the records of one block; returns the first offset after which the block is erased. */
  private scanRecords_(buf: Uint8Array, visit: (r: ParsedRecord) => void): { end: number; damaged: number } {
    let off = LOG_HEADER_SIZE;
    let damaged = 0;
    let inDamage = false;
    let end = LOG_HEADER_SIZE;
    while (off < buf.length) {
      if (buf[off] === 0xff && this.allErased_(buf, off)) break;
      const r = this.parseRecord_(buf, off);
      if (r) {
        visit(r);
        off += r.size_;
        end = off;
        inDamage = false;
      } else {
        if (!inDamage) damaged++;
        inDamage = true;
        off += this.align_;
        end = off;
      }
    }
    if (end > buf.length) end = buf.length;
    // bytes of a torn record beyond `end` are erased: writing continues at `end`
    return { end, damaged };
  }

  private parseRecord_(buf: Uint8Array, off: number): ParsedRecord | undefined {
    const dv = new DataView(buf.buffer, buf.byteOffset + off, buf.length - off);
    const tag = buf[off];
    let size: number;
    if (tag === EVENT_TAG) {
      if (buf.length - off < EVENT_FIXED) return undefined;
      const nargs = buf[off + 2];
      if (nargs > MAX_ARGS) return undefined;
      const flags = buf[off + 3];
      size = this.padded_(EVENT_FIXED + (flags & FLAG_UNIX ? 4 : 0) + 4 * nargs + 4);
    } else if (tag === STATE_TAG) {
      size = this.stateSize_;
    } else {
      return undefined;
    }
    if (off + size > buf.length) return undefined;
    if (get32(dv, size - 4) !== crc32(buf, off, off + size - 4)) return undefined;
    if (tag === STATE_TAG) {
      return {
        size_: size,
        level_: buf[off + 1],
        boot_: dv.getUint16(2, true),
        ackSeq_: get32(dv, 4),
        droppedTotal_: get32(dv, 8),
        retireGen_: get32(dv, 12),
        nextSeq_: get32(dv, 16),
      };
    }
    const kind = buf[off + 1] as EventKind;
    const nargs = buf[off + 2];
    const flags = buf[off + 3];
    const event: StoredEvent = { seq: get32(dv, 4), boot: dv.getUint16(12, true), uptimeS: get32(dv, 8), kind, args: [] };
    let p = EVENT_FIXED;
    if (flags & FLAG_UNIX) {
      event.unixS = get32(dv, p);
      event.timeSource = (flags >> 4) as TimeSource;
      p += 4;
    }
    for (let i = 0; i < nargs; i++, p += 4) event.args.push(isSignedArg(kind, i) ? dv.getInt32(p, true) : get32(dv, p));
    return { size_: size, event_: event };
  }

  private encodeEvent_(e: StoredEvent, copied: boolean): Uint8Array {
    const withUnix = e.unixS !== undefined;
    const size = this.recordSize(e.args.length, withUnix);
    const buf = new Uint8Array(size);
    const dv = new DataView(buf.buffer);
    buf[0] = EVENT_TAG;
    buf[1] = e.kind;
    buf[2] = e.args.length;
    buf[3] = (withUnix ? FLAG_UNIX : 0) | (copied ? FLAG_COPIED : 0) | (((withUnix && e.timeSource) || 0) << 4);
    set32(dv, 4, e.seq);
    set32(dv, 8, e.uptimeS);
    dv.setUint16(12, e.boot, true);
    let p = EVENT_FIXED;
    if (withUnix) {
      set32(dv, p, e.unixS as number);
      p += 4;
    }
    // setInt32 and setUint32 store the same bytes for every value either accepts
    for (let i = 0; i < e.args.length; i++, p += 4) dv.setInt32(p, e.args[i], true);
    seal(buf, dv, size - 4);
    return buf;
  }

  private encodeState_(retireGen: number, level: number): Uint8Array {
    const buf = new Uint8Array(this.stateSize_);
    const dv = new DataView(buf.buffer);
    buf[0] = STATE_TAG;
    buf[1] = level;
    dv.setUint16(2, this.bootCounter_, true);
    set32(dv, 4, this.acked_);
    set32(dv, 8, this.dropped_);
    set32(dv, 12, retireGen);
    set32(dv, 16, this.seqNext_);
    seal(buf, dv, this.stateSize_ - 4);
    return buf;
  }

  private writeEvent_(e: StoredEvent): void {
    this.write_(this.encodeEvent_(e, false), e.seq);
  }

  private writeState_(retireGen: number, level: number): void {
    this.write_(this.encodeState_(retireGen, level));
  }

  /** Appends a record at the head (opening a new head if needed); `seq` when it is an event. */
  private write_(bytes: Uint8Array, seq?: number): void {
    const head = this.headWithRoom_(bytes.length);
    this.put_(head, bytes, seq);
    this.touch_();
  }

  private put_(head: BlockInfo, bytes: Uint8Array, seq?: number): void {
    this.flash_.write(this.addr_(head.index_) + head.writeOffset_, bytes);
    head.writeOffset_ += bytes.length;
    if (seq !== undefined) this.noteEvent_(head, seq);
  }

  /** The head block if `size` more bytes fit; otherwise open a new head (reclaiming space if needed). */
  private headWithRoom_(size: number): BlockInfo {
    if (this.head_ && this.head_.writeOffset_ + size <= this.blockSize_) return this.head_;
    const spare = this.findFree_(undefined);
    if (!spare) throw new EventLogError('region_too_small', 'no spare block: the log invariant is broken');
    this.openHead_(spare);
    // keep one block free for the next roll
    if (!this.findFree_(this.head_)) this.reclaim_();
    return this.head_ as BlockInfo;
  }

  /** A block that can be (erased and) used as the next head, preferring the ring order after the head. */
  private findFree_(exclude: BlockInfo | undefined): BlockInfo | undefined {
    const start = this.head_ ? this.head_.index_ + 1 : 0;
    for (let k = 0; k < this.count_; k++) {
      const b = this.blocks_[(start + k) % this.count_];
      if (b === this.head_ || b === exclude) continue;
      if (b.state_ !== BlockState.Valid) return b;
      if (b.events_ === 0 || b.maxSeq_ <= this.acked_) {
        // fully acknowledged, but it may hold the only copy of a newer counter only if it is the head
        return b;
      }
    }
    return undefined;
  }

  private openHead_(b: BlockInfo): void {
    this.flash_.eraseBlock(this.first_ + b.index_);
    this.maxGen_++;
    const buf = new Uint8Array(LOG_HEADER_SIZE);
    buf.fill(0xff);
    const dv = new DataView(buf.buffer);
    set32(dv, 0, BLOCK_MAGIC);
    set32(dv, 4, this.maxGen_);
    set32(dv, 8, this.seqNext_);
    set32(dv, 12, this.acked_);
    set32(dv, 16, this.dropped_);
    dv.setUint16(20, this.bootCounter_, true);
    seal(buf, dv, 28);
    b.state_ = BlockState.Garbage; // until the header is down
    this.flash_.write(this.addr_(b.index_), buf);
    b.state_ = BlockState.Valid;
    b.gen_ = this.maxGen_;
    b.writeOffset_ = LOG_HEADER_SIZE;
    b.events_ = 0;
    b.minSeq_ = 0;
    b.maxSeq_ = 0;
    this.head_ = b;
    this.touch_();
  }

  /** Make one non-head block free, dropping as little as the policy allows. */
  private reclaim_(): void {
    const threshold = this.stateSize_ + this.maxRecordSize_ * 2;
    let bestAcked: BlockInfo | undefined;
    let bestAckedBytes = 0;
    let bestDiag: BlockInfo | undefined;
    let bestDiagBytes = 0;
    let oldest: BlockInfo | undefined;
    for (let i = 0; i < this.blocks_.length; i++) {
      const b = this.blocks_[i];
      if (b.state_ !== BlockState.Valid || b === this.head_) continue;
      if (!oldest || b.gen_ < oldest.gen_) oldest = b;
      let ackedBytes = LOG_HEADER_SIZE;
      let diagBytes = 0;
      this.scanBlock_(b, (r) => {
        if (!r.event_ || r.event_.seq <= this.acked_) ackedBytes += r.size_;
        else if (!isTherapy(r.event_.kind)) diagBytes += r.size_;
      });
      ackedBytes += this.blockSize_ - b.writeOffset_;
      if (ackedBytes > bestAckedBytes) {
        bestAckedBytes = ackedBytes;
        bestAcked = b;
      }
      if (ackedBytes + diagBytes > bestDiagBytes) {
        bestDiagBytes = ackedBytes + diagBytes;
        bestDiag = b;
      }
    }
    if (bestAcked && bestAckedBytes >= threshold + LOG_HEADER_SIZE) this.compact_(bestAcked, LEVEL_KEEP_PENDING);
    else if (bestDiag && bestDiagBytes >= threshold + LOG_HEADER_SIZE) this.compact_(bestDiag, LEVEL_KEEP_THERAPY);
    else if (oldest) this.compact_(oldest, LEVEL_DROP_ALL);
  }

  private keeps_(level: number, e: StoredEvent): boolean {
    if (e.seq <= this.acked_) return false;
    if (level === LEVEL_KEEP_PENDING) return true;
    if (level === LEVEL_KEEP_THERAPY) return isTherapy(e.kind);
    return false;
  }

  private compact_(victim: BlockInfo, level: number): void {
    let droppedHere = 0;
    this.scanBlock_(victim, (r) => {
      if (r.event_ && r.event_.seq > this.acked_ && !this.keeps_(level, r.event_)) droppedHere++;
    });
    // the state record names the victim first, so a cut during the copy is finished by recovery
    this.dropped_ += droppedHere;
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
    let lost = 0;
    for (let i = 0; i < keepers.length; i++) {
      const bytes = this.encodeEvent_(keepers[i], true);
      if (head.writeOffset_ + bytes.length > this.blockSize_) {
        lost++; // cannot happen with the reclaim threshold; if it ever does, it is counted, not silent
        continue;
      }
      this.put_(head, bytes, keepers[i].seq);
    }
    if (lost > 0) this.dropped_ += lost;
    this.flash_.eraseBlock(this.first_ + victim.index_);
    victim.state_ = BlockState.Erased;
    victim.events_ = 0;
    victim.writeOffset_ = 0;
    this.touch_();
  }

  private recordOverflow_(count: number, cause: NewEvent): void {
    const seq = this.seqNext_;
    this.seqNext_++;
    const event: StoredEvent = { seq, boot: cause.boot, uptimeS: cause.uptimeS, kind: EventKind.Overflow, args: [count] };
    if (cause.unixS !== undefined) {
      event.unixS = cause.unixS;
      if (cause.timeSource !== undefined) event.timeSource = cause.timeSource;
    }
    const before = this.dropped_;
    this.writeEvent_(event);
    // writing the Overflow event can itself force another reclaim; report that too, without recursion depth
    if (this.dropped_ > before) this.recordOverflow_(this.dropped_ - before, cause);
  }
}
