/**
 * A progress bar on a stream: redrawn in place on a terminal, plain lines (at most one per `every` steps)
 * when the stream is a pipe or a file, so logs and CI output stay readable.
 */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

export class ProgressBar {
  private lastLine = -Infinity;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly options: { label: string; width?: number; every?: number } = { label: '' },
  ) {}

  update(done: number, detail = ''): void {
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const percent = `${Math.floor(fraction * 100)}`.padStart(3);
    if (this.stream.isTTY) {
      const width = this.options.width ?? 30;
      const filled = Math.round(fraction * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      const line = `${this.options.label} [${bar}] ${percent}% ${detail}`;
      const columns = this.stream.columns ?? 100;
      this.stream.write(`\r${line.slice(0, columns - 1).padEnd(Math.min(columns - 1, line.length + 2))}`);
      this.drawn = true;
      return;
    }
    const every = this.options.every ?? 5;
    if (done - this.lastLine >= every || done >= this.total) {
      this.lastLine = done;
      this.stream.write(`${this.options.label} ${percent}% ${detail}\n`);
    }
  }

  /** Ends the bar's line on a terminal so the next output starts on a fresh line. */
  finish(): void {
    if (this.stream.isTTY && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
