/**
 * Button module: one symptom button, three press patterns.
 *
 * Inputs:  button edges (ports.button.onEdge; 1 = pressed). The lid state does not matter: presses while
 *          the lid is open count like any other.
 * Outputs: event Symptom [pattern], SYMPTOM_RECORDED {pattern, seq}, a feedback pattern on LED + buzzer
 *          (1, 2 or 3 flashes/beeps for Short, Double, Long) so the patient knows it registered; counter
 *          buttonPresses.
 * States:
 *   Idle --press--> Down1 --release--> Gap --gap timeout--> Idle (Short)
 *                   Down1 --held LONG_PRESS_MS--> HeldLong (Long, fired while still held) --release--> Idle
 *   Gap --press--> Down2 --release--> Idle (Double)
 *                  Down2 --held LONG_PRESS_MS--> HeldLong (Long)
 */
import { EventKind, SymptomPattern } from '../../../protocol/src/messages.ts';
import type { FirmwareContext } from '../context.ts';
import { Patterns } from '../indicator.ts';

export type ButtonMessage = { type: 'SYMPTOM_RECORDED'; pattern: SymptomPattern; seq: number };

export type ButtonState = 'idle' | 'down1' | 'gap' | 'down2' | 'held-long';

/** ButtonState as a small number inside the module (`state` gives the name, STATE_NAMES). */
const enum B {
  Idle,
  Down1,
  Gap,
  Down2,
  HeldLong,
}

const STATE_NAMES: ButtonState[] = ['idle', 'down1', 'gap', 'down2', 'held-long'];

export const BUTTON_DEBOUNCE_MS = 20;
export const LONG_PRESS_MS = 1500;
export const DOUBLE_GAP_MS = 400;

export class Button {
  private readonly ctx_: FirmwareContext;
  private state_: B = B.Idle;
  private level_: 0 | 1 = 0;
  private debounceTimer_: number | undefined;
  private patternTimer_: number | undefined;

  constructor(ctx: FirmwareContext) {
    this.ctx_ = ctx;
  }

  get state(): ButtonState {
    return STATE_NAMES[this.state_];
  }

  start(): void {
    this.level_ = this.ctx_.ports.button.read();
    this.ctx_.ports.button.onEdge(() => this.edge_());
  }

  private edge_(): void {
    const timers = this.ctx_.ports.timers;
    if (this.debounceTimer_ !== undefined) timers.clear(this.debounceTimer_);
    this.debounceTimer_ = timers.setTimeout(() => this.settled_(), BUTTON_DEBOUNCE_MS);
  }

  private settled_(): void {
    this.debounceTimer_ = undefined;
    const level = this.ctx_.ports.button.read();
    if (level === this.level_) return;
    this.level_ = level;
    if (level === 1) this.pressed_();
    else this.released_();
  }

  private pressed_(): void {
    this.ctx_.diagnostics.buttonPresses++;
    if (this.state_ === B.Idle) this.enter_(B.Down1, LONG_PRESS_MS);
    else if (this.state_ === B.Gap) this.enter_(B.Down2, LONG_PRESS_MS);
  }

  private released_(): void {
    if (this.state_ === B.Down1) this.enter_(B.Gap, DOUBLE_GAP_MS);
    else if (this.state_ === B.Down2) this.report_(SymptomPattern.Double);
    else if (this.state_ === B.HeldLong) this.enter_(B.Idle, 0);
  }

  private timeout_(): void {
    this.patternTimer_ = undefined;
    if (this.state_ === B.Down1 || this.state_ === B.Down2) {
      this.report_(SymptomPattern.Long);
      this.state_ = B.HeldLong;
    } else if (this.state_ === B.Gap) {
      this.report_(SymptomPattern.Short);
    }
  }

  private enter_(state: B, timeoutMs: number): void {
    const timers = this.ctx_.ports.timers;
    if (this.patternTimer_ !== undefined) timers.clear(this.patternTimer_);
    this.patternTimer_ = undefined;
    this.state_ = state;
    if (timeoutMs > 0) this.patternTimer_ = timers.setTimeout(() => this.timeout_(), timeoutMs);
  }

  private report_(pattern: SymptomPattern): void {
    this.enter_(B.Idle, 0);
    const seq = this.ctx_.record(EventKind.Symptom, [pattern]);
    this.ctx_.indicator.play([Patterns.ackShort, Patterns.ackDouble, Patterns.ackLong][pattern - SymptomPattern.Short]);
    this.ctx_.bus.publish({ type: 'SYMPTOM_RECORDED', pattern, seq });
  }
}
