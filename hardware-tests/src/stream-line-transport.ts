/**
 * Line transport over any byte stream: a real serial port (serialport's SerialPort is a Duplex) or the
 * in-process stream of a simulated unit. Both go through this one code path, so CI exercises what the
 * line runs. Lines end in LF; a CR before it is dropped.
 */
import type { Duplex } from 'node:stream';
import type { LineTransport } from './console-link.ts';

export class StreamLineTransport implements LineTransport {
  private buffer = '';
  private readonly listeners: ((line: string) => void)[] = [];

  /** The last error of the stream (a serial port unplugged mid-test): the console then reads as silent. */
  lastError: Error | undefined;

  constructor(private readonly stream: Duplex) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.receive(chunk));
    stream.on('error', (error: Error) => {
      this.lastError = error;
    });
  }

  writeLine(line: string): void {
    if (this.stream.destroyed || this.stream.writableEnded) return;
    this.stream.write(`${line}\r\n`);
  }

  onLine(callback: (line: string) => void): void {
    this.listeners.push(callback);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stream.destroyed) return resolve();
      this.stream.once('close', () => resolve());
      this.stream.destroy();
    });
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      if (line.length > 0) for (const listener of this.listeners) listener(line);
    }
  }
}
