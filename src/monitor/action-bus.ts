import type Redis from 'ioredis';
import { z } from 'zod';
import { within } from '../common/within';
import type { RuleAction } from './rules/rule.types';
import { duplicateConnection } from '../redis/redis-connection';

/** An optimizer action as published to the fleet. */
export interface FleetAction extends RuleAction {
  /** instanceId of the process that decided it. */
  origin: string;
  /** Epoch milliseconds. */
  at: number;
}

const fleetActionSchema = z.object({
  origin: z.string().min(1),
  at: z.number(),
  rule: z.string().min(1),
  reason: z.string(),
  adjustments: z.array(
    z.object({
      tunable: z.string().min(1),
      op: z.enum(['set', 'add', 'scale']),
      value: z.number().finite(),
      towardBaseline: z.boolean().optional(),
      min: z.number().optional(),
      max: z.number().optional(),
    }),
  ),
  task: z.string().optional(),
});

/** Null for anything that is not a well-formed action (another version, a stray publisher). */
export function parseFleetAction(message: string): FleetAction | null {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return null;
  }
  const parsed = fleetActionSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export function actionsChannel(prefix: string): string {
  return `${prefix}:monitor:actions`;
}

export interface ActionBusOptions {
  /** Key prefix (config.prefix): channel `${prefix}:monitor:actions`, cooldown keys under it. */
  prefix: string;
  instanceId: string;
  /** Called for actions published by other processes (never for this one's own). */
  onRemote: (action: FleetAction) => void;
  onError?: (what: string, error: unknown) => void;
  /** How long start() waits for the subscription before returning anyway. Default 3000 ms. */
  startTimeoutMs?: number;
}

/**
 * The fleet's shared optimizer state in Redis: actions are published on one channel and applied
 * by every other process; a per-rule cooldown key (SET NX PX) lets one process act per cooldown.
 * Publishes and locks go through the given connection; subscribing takes a duplicate of it (a
 * subscribed connection can issue no other commands), closed by stop().
 */
export class ActionBus {
  private subscriber?: Redis;
  readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly options: ActionBusOptions,
  ) {
    this.channel = actionsChannel(options.prefix);
  }

  async start(): Promise<void> {
    if (this.subscriber) return;
    const subscriber = duplicateConnection(this.redis, {
      connectionName: `${this.options.prefix}:monitor-subscriber`,
      // The shared command connection fails fast; a subscriber should instead wait and resubscribe.
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      lazyConnect: false,
    });
    this.subscriber = subscriber;
    subscriber.on('error', (error: unknown) => this.options.onError?.('subscriber', error));
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const action = parseFleetAction(message);
      if (!action || action.origin === this.options.instanceId) return;
      try {
        this.options.onRemote(action);
      } catch (error) {
        this.options.onError?.('applying a fleet action', error);
      }
    });
    // With Redis down this waits for the connection; boot must not, so give up waiting (the
    // subscription still happens once Redis answers: ioredis queues it and resubscribes).
    const subscribed = subscriber.subscribe(this.channel);
    subscribed.catch((error: unknown) => this.options.onError?.('subscribing', error));
    await within(this.options.startTimeoutMs ?? 3000, subscribed, 'no answer from Redis');
  }

  async publish(action: RuleAction, at: number): Promise<void> {
    const message: FleetAction = {
      rule: action.rule,
      reason: action.reason,
      adjustments: action.adjustments,
      task: action.task,
      origin: this.options.instanceId,
      at,
    };
    await this.redis.publish(this.channel, JSON.stringify(message));
  }

  /**
   * Claims a rule's fleet-wide cooldown. False when another process acted on the rule within
   * cooldownMs. When Redis cannot answer, true: a process still tunes itself while Redis is down.
   */
  async claim(rule: string, cooldownMs: number): Promise<boolean> {
    const key = `${this.options.prefix}:monitor:cooldown:${rule}`;
    try {
      const result = await this.redis.set(
        key,
        this.options.instanceId,
        'PX',
        Math.max(1, Math.round(cooldownMs)),
        'NX',
      );
      return result === 'OK';
    } catch (error) {
      this.options.onError?.(`claiming the cooldown of ${rule}`, error);
      return true;
    }
  }

  async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    if (subscriber.status !== 'ready') {
      subscriber.disconnect();
      return;
    }
    try {
      await within(1000, subscriber.quit(), 'no answer from Redis');
    } catch {
      subscriber.disconnect();
    }
  }
}
