/**
 * The message bus that firmware modules talk through (after Nordic's Asset Tracker Template zbus channels).
 * Each module declares its own union of message types at the top of its file; `AppMessage` in
 * app-messages.ts is the union of those unions.
 *
 * Dispatch is run-to-completion: `publish` only queues; queued messages are delivered in order once the
 * current handler has returned, so a handler never re-enters another module mid-update.
 */

export interface BusMessage {
  type: string;
}

type Handler<M> = (message: M) => void;

export class Bus<M extends BusMessage> {
  private readonly handlers_: Handler<M>[] = [];
  private readonly queue_: M[] = [];
  private draining_ = false;

  subscribe(handler: Handler<M>): void {
    this.handlers_.push(handler);
  }

  publish(message: M): void {
    this.queue_.push(message);
    if (this.draining_) return;
    this.draining_ = true;
    try {
      for (let next = this.queue_.shift(); next !== undefined; next = this.queue_.shift()) {
        for (let i = 0; i < this.handlers_.length; i++) this.handlers_[i](next);
      }
    } finally {
      this.draining_ = false;
      this.queue_.length = 0;
    }
  }
}
