import type { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';

/**
 * Removes those of `ids` that the queue still keeps as completed or failed, so that adding a
 * job with one of these ids runs it again (BullMQ ignores an add whose id exists). Jobs that
 * still wait or run are left alone. One pipelined round trip reads the states, through BullMQ's
 * own key names (`queue.keys`), whatever the prefix or cluster hash tag.
 */
export async function removeFinishedJobs(queue: Queue, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  // BullMQ types its client by the few commands it uses itself; it is an ioredis client.
  const client = (await queue.client) as unknown as Redis | Cluster;
  const pipeline = client.pipeline();
  for (const id of ids) {
    pipeline.zscore(queue.keys.completed, id);
    pipeline.zscore(queue.keys.failed, id);
  }
  const replies = (await pipeline.exec()) ?? [];
  const finished = ids.filter(
    (_, i) => replies[2 * i]?.[1] !== null || replies[2 * i + 1]?.[1] !== null,
  );
  await Promise.all(finished.map((id) => queue.remove(id)));
}
