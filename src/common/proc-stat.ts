/**
 * User + system CPU of a process or thread, in clock ticks, from the text of its Linux
 * `/proc/.../stat` (`/proc/<pid>/stat`, `/proc/self/task/<tid>/stat`).
 */
export function statCpuTicks(stat: string): number {
  // the fields after the name (which may hold spaces and parentheses) start at the state, field 3
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
