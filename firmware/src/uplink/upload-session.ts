/**
 * Upload session: one radio-on period, from connect to PSM.
 *
 * Inputs:  run(done); downlink(bytes) and linkLost() routed from the supervisor.
 * Outputs: publishes on pillcap/v1/{serial}/up (Hello once per boot, event batches, heartbeat, command
 *          results); EVENTS_ACKED / CONFIG_RECEIVED / COMMAND_RECEIVED on the bus; consumes the log only
 *          on the cloud's application Ack (never on PUBACK); SessionResult to the caller.
 * Steps:   connect -> hello (first session after boot) -> batches (each waits for its Ack; an empty batch
 *          when nothing is queued, to collect Ack/config/time) -> heartbeat -> wait for an announced Config
 *          -> sleep (QMTDISC, PSM). A link loss re-connects (at most maxReconnects times) and resumes at
 *          "batches": unacknowledged events are simply read again from the log and resent.
 *          The radio-on budget aborts everything and powers the modem down.
 */

import { CommandCode, CommandStatus, MessageKind, TimeSource, uplinkTopic, type Command, type DownlinkMessage, type EventBatch, type Hello, type Heartbeat, type TimeAnchor, type UplinkMessage } from '../../../protocol/src/messages.ts';
import { decodeDownlink, encodeUplink } from '../../../protocol/src/device-codec.ts';
import { EVENT_ARG_RANGES, SEQ, U16, U32 } from '../../../protocol/src/limits.ts';
import type { Timers, TimerHandle } from '../ports/ports.ts';
import type { LogStats, StoredEvent } from '../log/event-log.ts';
import type { ModemIdentity, ModemSnapshot, PublishOutcome } from '../modem/connection-supervisor.ts';
import type { UplinkCounters } from './heartbeat.ts';
import { TRACE } from '../trace.ts';

/** What the session needs from the connection supervisor (a test seam). */
export interface UploadLink {
  connect(done: (error?: string) => void): void;
  publish(topic: string, payload: Uint8Array, done: (r: PublishOutcome) => void): void;
  sleep(done: () => void): void;
  abort(done: () => void): void;
  sample(done: (s: ModemSnapshot) => void): void;
  readonly backoffHint: boolean;
  readonly identity: ModemIdentity;
}

export interface SessionEnv {
  serial(): string;
  timers: Timers;
  log: {
    pending(limit: number): StoredEvent[];
    stats(): LogStats;
    readonly droppedTotal: number;
    consumeThrough(seq: number): void;
  };
  anchor(): TimeAnchor;
  anchorsFor(events: StoredEvent[]): TimeAnchor[];
  timeSource(): TimeSource;
  setWall(unixS: number, source: TimeSource): void;
  configVersion(): number;
  hello(identity: ModemIdentity): Hello;
  heartbeat(snapshot: ModemSnapshot): Heartbeat;
  heartbeatDelivered(): void;
  emit(message: { type: 'EVENTS_ACKED'; ackSeq: number } | { type: 'CONFIG_RECEIVED'; config: import('../../../protocol/src/messages.ts').DeviceConfig } | { type: 'COMMAND_RECEIVED'; command: Command }): void;
  counters: UplinkCounters;
  trace(line: string): void;
}

export interface SessionOptions {
  budgetMs?: number; // radio-on budget per attempt, default 300 s
  ackTimeoutMs?: number; // wait for the cloud's Ack after PUBACK, default 30 s
  emptyAckWaitMs?: number; // an empty batch's Ack is optional: wait this long, default 5 s
  configWaitMs?: number; // wait for an announced Config, default 10 s
  maxBatchBytes?: number; // default 1024
  maxBatchEvents?: number; // default 64
  maxBatches?: number; // per session, default 32
  maxReconnects?: number; // default 2
}

export interface SessionResult {
  ok: boolean;
  reason?: string;
  helloSent: boolean;
  heartbeatSent: boolean;
  morePending: boolean;
  again: boolean; // UploadNow / HeartbeatNow asked for another session
  reboot: boolean; // a Reboot command was accepted: reboot after the session
  backoffHint: boolean;
}

/** Session steps in order (a const enum: the build inlines small numbers). */
const enum Step {
  Connect,
  Hello,
  Batches,
  Heartbeat,
  Config,
  Sleep,
}

export class UploadSession {
  private epoch_ = 0;
  private step_: Step = Step.Connect;
  private reconnects_ = 0;
  private batchesSent_ = 0;
  private finished_ = false;
  private budgetTimer_: TimerHandle | undefined;
  private waitTimer_: TimerHandle | undefined;
  private ackWaiter_: ((ackSeq: number | undefined) => void) | undefined;
  /** An Ack can overtake the PUBACK URC (instant cloud, slow UART): remember it for the waiter. */
  private ackSinceSend_: number | undefined;
  private configWaiter_: (() => void) | undefined;
  private wantConfigVersion_: number | undefined;
  private heartbeatAgain_ = false;
  private readonly result_: SessionResult = { ok: false, helloSent: false, heartbeatSent: false, morePending: false, again: false, reboot: false, backoffHint: false };
  private readonly o_: Required<SessionOptions>;
  private done_: ((r: SessionResult) => void) | undefined;

  private readonly link_: UploadLink;
  private readonly env_: SessionEnv;
  private readonly needHello_: boolean;

  constructor(link_: UploadLink, env_: SessionEnv, needHello_: boolean, options: SessionOptions = {}) {
    this.link_ = link_;
    this.env_ = env_;
    this.needHello_ = needHello_;
    this.o_ = { budgetMs: 300000, ackTimeoutMs: 30000, emptyAckWaitMs: 5000, configWaitMs: 10000, maxBatchBytes: 1024, maxBatchEvents: 64, maxBatches: 32, maxReconnects: 2, ...options };
  }

  run(done: (r: SessionResult) => void): void {
    this.done_ = done;
    this.env_.counters.uploadAttempts++;
    this.budgetTimer_ = this.env_.timers.setTimeout(() => {
      this.budgetTimer_ = undefined;
      if (TRACE) this.env_.trace('uplink: radio budget exhausted');
      this.epoch_++;
      this.clearWait_();
      this.link_.abort(() => this.finish_(false, 'budget'));
    }, this.o_.budgetMs);
    this.connect_();
  }

  /** +QMTRECV on our down topic. */
  downlink(payload: Uint8Array): void {
    this.env_.counters.bytesRx += payload.length;
    let msg: DownlinkMessage;
    try {
      msg = decodeDownlink(payload);
    } catch (e) {
      if (TRACE) this.env_.trace(`uplink: bad downlink: ${(e as Error).message}`);
      return;
    }
    if (msg.serial !== this.env_.serial()) {
      if (TRACE) this.env_.trace(`uplink: downlink for ${msg.serial} ignored`);
      return;
    }
    switch (msg.kind) {
      case MessageKind.Ack:
        return this.onAck_(msg.ackSeq, msg.serverUnixS, msg.configVersion);
      case MessageKind.Config: {
        const { kind: _k, serial: _s, ...config } = msg;
        this.env_.emit({ type: 'CONFIG_RECEIVED', config });
        if (this.configWaiter_) this.configWaiter_();
        return;
      }
      case MessageKind.Command:
        return this.onCommand_(msg);
    }
  }

  /** The MQTT session went away under us. */
  linkLost(): void {
    if (this.finished_ || this.step_ === Step.Sleep) return;
    this.halt_();
    if (this.link_.backoffHint || this.reconnects_ >= this.o_.maxReconnects) {
      this.end_(false, 'link_lost');
      return;
    }
    this.reconnects_++;
    const resume: Step = this.step_ === Step.Hello || this.step_ === Step.Connect ? this.step_ : Step.Batches;
    this.step_ = Step.Connect;
    this.connect_(resume);
  }

  // ---------------------------------------------------------------------------------------------------

  private connect_(resume: Step = Step.Hello): void {
    const e = this.epoch_;
    this.step_ = Step.Connect;
    this.link_.connect((err) => {
      if (e !== this.epoch_) return;
      if (err !== undefined) return this.end_(false, err);
      this.go_(resume);
    });
  }

  private go_(step: Step): void {
    this.step_ = step;
    switch (step) {
      case Step.Hello:
        if (!this.needHello_ || this.result_.helloSent) return this.go_(Step.Batches);
        return this.publish_(encodeUplink(this.env_.hello(this.link_.identity)), () => {
          this.result_.helloSent = true;
          this.go_(Step.Batches);
        });
      case Step.Batches:
        return this.sendBatch_();
      case Step.Heartbeat:
        return this.sendHeartbeat_();
      case Step.Config:
        return this.awaitConfig_();
      case Step.Sleep:
        return this.end_(true);
      default:
        return this.connect_();
    }
  }

  private sendBatch_(): void {
    const pending = this.env_.log.pending(this.o_.maxBatchEvents);
    if (pending.length > 0 && !wireValid(pending[0])) {
      // The oldest record breaks the protocol's ranges: the cloud would quarantine the batch and never ack
      // it, blocking the queue forever. It is skipped and counted (Asset Tracker Template storage: "a
      // malformed record is consumed and counted"); the cloud sees the seq gap.
      if (TRACE) this.env_.trace(`uplink: event seq ${pending[0].seq} kind ${pending[0].kind} malformed, skipped`);
      this.env_.counters.malformedSkipped++;
      this.env_.log.consumeThrough(pending[0].seq);
      return this.sendBatch_();
    }
    let valid = 0;
    while (valid < pending.length && wireValid(pending[valid])) valid++;
    const events = pending.slice(0, valid);
    const tryEncode = (k: number): Uint8Array | undefined => {
      try {
        return encodeUplink(this.batch_(events, k));
      } catch (err) {
        if (TRACE) this.env_.trace(`uplink: batch of ${k} not encodable: ${(err as Error).message}`);
        return undefined;
      }
    };
    let n = events.length;
    let bytes = tryEncode(n);
    while ((bytes === undefined || bytes.length > this.o_.maxBatchBytes) && n > 1) {
      n = Math.max(1, Math.floor(n / 2));
      bytes = tryEncode(n);
    }
    if (bytes === undefined) return this.end_(false, 'encode');
    const lastSeq = n > 0 ? events[n - 1].seq : 0;
    const e = this.epoch_;
    this.batchesSent_++;
    this.ackSinceSend_ = undefined;
    this.publish_(bytes, () => {
      // PUBACK only: the broker has it, the cloud may not. Keep the events until the Ack.
      const empty = n === 0;
      this.waitAck_(empty ? this.o_.emptyAckWaitMs : this.o_.ackTimeoutMs, (ackSeq) => {
        if (e !== this.epoch_) return;
        if (ackSeq === undefined) {
          if (empty) return this.go_(Step.Heartbeat);
          this.env_.counters.ackTimeouts++;
          return this.end_(false, 'ack_timeout');
        }
        const more = this.env_.log.stats().count > 0;
        const progressed = ackSeq >= lastSeq;
        if (more && progressed && this.batchesSent_ < this.o_.maxBatches) return this.sendBatch_();
        this.result_.morePending = more && progressed;
        this.go_(Step.Heartbeat);
      });
    });
  }

  private batch_(events: StoredEvent[], n: number): EventBatch {
    const slice = events.slice(0, n);
    const stats = this.env_.log.stats();
    const anchors = this.env_.anchorsFor(slice);
    const b: EventBatch = {
      kind: MessageKind.EventBatch,
      serial: this.env_.serial(),
      logTailSeq: slice.length > 0 ? slice[0].seq : stats.ackSeq + 1,
      droppedTotal: this.env_.log.droppedTotal,
      anchors: anchors.length > 0 ? anchors : [this.env_.anchor()],
      events: slice, // the codec reads seq, boot, uptimeS, kind and args only
    };
    const after = stats.count - slice.length;
    if (after > 0) b.pendingAfter = after;
    return b;
  }

  private sendHeartbeat_(): void {
    const e = this.epoch_;
    this.link_.sample((snap) => {
      if (e !== this.epoch_) return;
      this.publish_(encodeUplink(this.env_.heartbeat(snap)), () => {
        this.env_.heartbeatDelivered();
        this.result_.heartbeatSent = true;
        if (this.heartbeatAgain_) {
          this.heartbeatAgain_ = false;
          return this.sendHeartbeat_();
        }
        this.go_(Step.Config);
      });
    });
  }

  private awaitConfig_(): void {
    const want = this.wantConfigVersion_;
    if (want === undefined || want === this.env_.configVersion()) return this.go_(Step.Sleep);
    const e = this.epoch_;
    const fin = (): void => {
      if (e !== this.epoch_) return;
      this.configWaiter_ = undefined;
      this.clearWait_();
      this.go_(Step.Sleep);
    };
    this.configWaiter_ = fin;
    this.waitTimer_ = this.env_.timers.setTimeout(fin, this.o_.configWaitMs);
  }

  private onAck_(ackSeq: number, serverUnixS: number | undefined, configVersion: number | undefined): void {
    // Consume on confirm: only the cloud's Ack frees records (brief, "Upload").
    this.env_.log.consumeThrough(ackSeq);
    this.env_.emit({ type: 'EVENTS_ACKED', ackSeq });
    if (configVersion !== undefined) this.wantConfigVersion_ = configVersion;
    // Cloud time is the last resort (messages.ts TimeSource.Cloud).
    if (serverUnixS !== undefined && this.env_.timeSource() === TimeSource.None) this.env_.setWall(serverUnixS, TimeSource.Cloud);
    const w = this.ackWaiter_;
    if (w) {
      this.ackWaiter_ = undefined;
      this.clearWait_();
      w(ackSeq);
    } else this.ackSinceSend_ = Math.max(ackSeq, this.ackSinceSend_ ?? 0);
  }

  private onCommand_(cmd: Command): void {
    this.env_.emit({ type: 'COMMAND_RECEIVED', command: cmd });
    let status: number = CommandStatus.Ok;
    let detail: string | undefined;
    switch (cmd.code) {
      case CommandCode.Ping:
        detail = 'pong';
        break;
      case CommandCode.HeartbeatNow:
        // Before the heartbeat step nothing to do: this session's heartbeat is still to come.
        if (this.step_ === Step.Heartbeat) this.heartbeatAgain_ = true;
        else if (this.result_.heartbeatSent) this.result_.again = true;
        break;
      case CommandCode.UploadNow:
        this.result_.again = true;
        break;
      case CommandCode.Reboot:
        this.result_.reboot = true;
        detail = 'rebooting after this session';
        break;
      default:
        status = CommandStatus.Unsupported;
    }
    const res: UplinkMessage = { kind: MessageKind.CommandResult, serial: this.env_.serial(), commandId: cmd.commandId, status: status as CommandStatus, anchor: this.env_.anchor() };
    if (detail !== undefined) res.detail = detail;
    this.up_(encodeUplink(res), (r) => {
      if (TRACE && !r.ok) this.env_.trace(`uplink: command result ${cmd.commandId} not delivered`);
    });
  }

  /** Publishes on our up topic, counting the bytes. */
  private up_(bytes: Uint8Array, done: (r: PublishOutcome) => void): void {
    this.env_.counters.bytesTx += bytes.length;
    this.link_.publish(uplinkTopic(this.env_.serial()), bytes, done);
  }

  private publish_(bytes: Uint8Array, ok: () => void): void {
    const e = this.epoch_;
    this.up_(bytes, (r) => {
      if (e !== this.epoch_) return;
      if (r.ok) return ok();
      // The supervisor marked the session for close/reopen: reconnect and resend from the log.
      this.linkLost();
    });
  }

  private waitAck_(ms: number, cb: (ackSeq: number | undefined) => void): void {
    if (this.ackSinceSend_ !== undefined) {
      const a = this.ackSinceSend_;
      this.ackSinceSend_ = undefined;
      cb(a);
      return;
    }
    this.ackWaiter_ = cb;
    this.waitTimer_ = this.env_.timers.setTimeout(() => {
      this.waitTimer_ = undefined;
      const w = this.ackWaiter_;
      this.ackWaiter_ = undefined;
      if (w) w(undefined);
    }, ms);
  }

  private clearWait_(): void {
    if (this.waitTimer_ !== undefined) this.env_.timers.clear(this.waitTimer_);
    this.waitTimer_ = undefined;
  }

  /** Supersedes every callback and wait of the current step. */
  private halt_(): void {
    this.epoch_++;
    this.clearWait_();
    this.ackWaiter_ = undefined;
    this.configWaiter_ = undefined;
  }

  private end_(ok: boolean, reason?: string): void {
    if (this.finished_) return;
    this.halt_();
    this.step_ = Step.Sleep;
    this.result_.backoffHint = this.link_.backoffHint;
    this.link_.sleep(() => this.finish_(ok, reason));
  }

  private finish_(ok: boolean, reason?: string): void {
    if (this.finished_) return;
    this.finished_ = true;
    if (this.budgetTimer_ !== undefined) this.env_.timers.clear(this.budgetTimer_);
    this.budgetTimer_ = undefined;
    this.result_.ok = ok;
    if (reason !== undefined) this.result_.reason = reason;
    if (!ok) this.result_.morePending = this.env_.log.stats().count > 0;
    const d = this.done_;
    this.done_ = undefined;
    if (d) d(this.result_);
  }
}


/** An event the protocol accepts (kind, arity, argument ranges, seq, boot, uptime): messages.ts + limits.ts. */
export function wireValid(e: StoredEvent): boolean {
  const ranges = EVENT_ARG_RANGES[e.kind];
  if (ranges === undefined || e.args.length !== ranges.length) return false;
  const inRange = (v: number, r: readonly [number, number]): boolean => Math.floor(v) === v && v >= r[0] && v <= r[1];
  if (!inRange(e.seq, SEQ) || !inRange(e.boot, U16) || !inRange(e.uptimeS, U32)) return false;
  for (let i = 0; i < ranges.length; i++) if (!inRange(e.args[i], ranges[i])) return false;
  return true;
}
