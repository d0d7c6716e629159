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
  private readonly handlers: Handler<M>[] = [];
  private readonly queue: M[] = [];
  private draining = false;

  subscribe(handler: Handler<M>): void {
    this.handlers.push(handler);
  }

  publish(message: M): void {
    this.queue.push(message);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        for (let i = 0; i < this.handlers.length; i++) this.handlers[i](next);
      }
    } finally {
      this.draining = false;
      this.queue.length = 0;
    }
  }
}
