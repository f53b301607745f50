// A progress bar for long commands (bench data generation today; import, backfill and score as they
// come): on stderr, so stdout stays the command's answer, and only when stderr is a terminal, so logs
// and pipes get no control characters. cli-progress draws it.
import cliProgress from 'cli-progress';

export interface Progress {
  /** How much is done so far, in the unit of `total`. */
  update(done: number): void;
  /** Draws the final state and ends the line (or does nothing when no bar is shown). */
  stop(): void;
}

export interface ProgressOptions {
  /** What is counted, after the numbers: "traces", "spans", "files". */
  unit: string;
  /** Default: process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

const NONE: Progress = { update: () => {}, stop: () => {} };

/** Starts a bar `label [████░░░░] 40 % | 4,000 / 10,000 traces | 12 s left`, or nothing without a terminal. */
export function startProgress(label: string, total: number, options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage} % | {value} / {total} ${options.unit} | {eta} s left`,
      formatValue: (v, _options, type) => (type === 'value' || type === 'total' ? v.toLocaleString('en-US') : String(v)),
      hideCursor: true,
      barsize: 30,
      // Redrawn at most five times a second, however often update() is called.
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}
