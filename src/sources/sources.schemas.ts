export {
  createSourceSchema,
  deleteSourceQuerySchema,
  SCHEDULE,
  type CreateSourceBody,
} from '../contract/sources';

/** A schedule as BullMQ's repeat options: an interval in ms, or a cron pattern. */
export function repeatOf(schedule: string): { every: number } | { pattern: string } {
  const interval = /^(\d+)\s*(m|h|d)$/.exec(schedule);
  if (!interval) return { pattern: schedule };
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[interval[2] as 'm' | 'h' | 'd'];
  return { every: Math.max(60_000, Number(interval[1]) * unit) };
}
