import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/** The fields of /proc/PID/stat after the command name (which may hold spaces), or undefined once the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The parent's pid of a process (undefined once it is gone). */
export function parentPid(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[1]) : undefined;
}

/**
 * CPU seconds of a process and all its children so far: its own, the children it has reaped
 * (cutime/cstime) and the live children's own. A child that exits between two readings moves
 * from the last term to the second, so deltas stay right — PostgreSQL's postmaster reaps its
 * backends, so a pooled connection closing loses nothing.
 */
export function treeCpuSeconds(rootPid: number): number {
  const root = statFields(rootPid);
  if (!root) throw new Error(`process ${rootPid} is gone`);
  // utime, stime, cutime, cstime are fields 14-17 of stat: 11-14 here.
  let ticks = Number(root[11]) + Number(root[12]) + Number(root[13]) + Number(root[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && Number(fields[1]) === rootPid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}
