// Another process's CPU time, for benches that charge a collector child process its whole cost
// (receive, queue, insert, settle): steadier than wall time when other work shares the machine.
import { existsSync, readFileSync } from 'node:fs';

/** User + system CPU of a process from /proc (Linux), in ms; NaN where /proc is absent. */
export function processCpuMs(pid: number | undefined): number {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return Number.NaN;
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks (100/s).
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
