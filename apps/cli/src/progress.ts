/** Where progress and messages go: a writable text stream (stderr in the CLI). */
export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const WIDTH = 28;

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.ceil(s - 60 * m)).padStart(2, '0')}s`;
}

/**
 * A progress bar on stderr that stays silent for the first second, so quick work prints
 * nothing. On a terminal it redraws one line; elsewhere (logs, CI) it prints a line per quarter.
 */
export class ProgressBar {
  private readonly start: number;
  private shown = false;
  private lastQuarter = -1;

  constructor(
    private readonly sink: TextSink,
    private readonly label: string,
    private readonly now: () => number = () => performance.now(),
    private readonly delayMs = 1000,
  ) {
    this.start = now();
  }

  /** Records that `done` of `total` units are finished; `status` (e.g. the current loss) follows the counts. */
  update(done: number, total: number, status = ''): void {
    const elapsed = (this.now() - this.start) / 1000;
    if (elapsed * 1000 < this.delayMs) return;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const eta = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : Number.POSITIVE_INFINITY;
    const text =
      `${this.label} ${Math.round(100 * fraction)}% ${done}/${total} ${formatSeconds(elapsed)} elapsed, ` +
      `${formatSeconds(eta)} left${status === '' ? '' : `, ${status}`}`;
    if (this.sink.isTTY) {
      const filled = Math.round(WIDTH * fraction);
      this.sink.write(`\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${text}\x1b[K`);
      this.shown = true;
      return;
    }
    const quarter = Math.floor(fraction * 4);
    if (quarter > this.lastQuarter) {
      this.lastQuarter = quarter;
      this.sink.write(`${text}\n`);
    }
  }

  /** Ends the bar (moves a terminal to a fresh line if the bar was drawn). */
  finish(): void {
    if (this.shown) this.sink.write('\n');
    this.shown = false;
  }
}
