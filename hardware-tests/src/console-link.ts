/**
 * Client for the firmware's factory console: one command line out, one JSON reply line back.
 * Works over any LineTransport: a real serial port or a simulated unit's in-process console.
 * Lines that are not JSON replies (boot banners, debug traces) are kept in the transcript and skipped.
 */
export interface LineTransport {
  writeLine(line: string): void;
  onLine(callback: (line: string) => void): void;
  close(): Promise<void>;
}

export class ConsoleSilentError extends Error {
  constructor(readonly command: string, readonly timeoutMs: number) {
    super(`console did not answer "${command}" within ${timeoutMs} ms`);
    this.name = 'ConsoleSilentError';
  }
}

export class ConsoleReplyError extends Error {
  constructor(readonly command: string, readonly reply: Record<string, unknown>) {
    super(`console refused "${command}": ${String(reply.error ?? JSON.stringify(reply))}`);
    this.name = 'ConsoleReplyError';
  }
}

export type ConsoleReply = Record<string, unknown> & { ok: boolean };

export interface TranscriptLine {
  at: string;
  direction: '>' | '<';
  line: string;
}

export class ConsoleLink {
  readonly transcript: TranscriptLine[] = [];
  private waiter: ((reply: ConsoleReply) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly transport: LineTransport, private readonly now: () => Date = () => new Date()) {
    transport.onLine((line) => this.receive(line));
  }

  /** Sends one command and resolves with its reply; commands are serialised. Rejects on silence. */
  request(command: string, timeoutMs = 3_000): Promise<ConsoleReply> {
    const next = this.queue.then(() => this.send(command, timeoutMs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** As request, but a reply with ok:false is an error. */
  async command(command: string, timeoutMs = 3_000): Promise<ConsoleReply> {
    const reply = await this.request(command, timeoutMs);
    if (!reply.ok) throw new ConsoleReplyError(command, reply);
    return reply;
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private send(command: string, timeoutMs: number): Promise<ConsoleReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new ConsoleSilentError(command, timeoutMs));
      }, timeoutMs);
      this.waiter = (reply) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(reply);
      };
      this.record('>', command);
      this.transport.writeLine(command);
    });
  }

  private receive(line: string): void {
    this.record('<', line);
    const reply = parseReply(line);
    if (reply && this.waiter) this.waiter(reply);
  }

  private record(direction: '>' | '<', line: string): void {
    this.transcript.push({ at: this.now().toISOString(), direction, line });
  }
}

function parseReply(line: string): ConsoleReply | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean') {
      return value as ConsoleReply;
    }
  } catch {
    // not a reply: a trace line that happens to start with a brace
  }
  return undefined;
}
