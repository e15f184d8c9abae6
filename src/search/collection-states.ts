import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { CollectionRecords, VersionEvent } from '../catalog/collection-records';
import { CollectionRecord } from '../catalog/catalog.types';
import { APP_CONFIG, AppConfig } from '../config/config';
import { isRedisUnavailable, redisUnavailable } from '../redis/redis-errors';
import { duplicateConnection } from '../redis/redis-connection';
import { REDIS } from '../redis/redis.module';

export interface CollectionState {
  record: CollectionRecord;
  version: number;
}

type VersionListener = (collection: string, version: number) => void;

/**
 * Each process's view of collections and their versions, kept fresh by the catalog's pub/sub
 * events: a version bump drops the local entry, so the next search reads the new version and
 * every cached result of the old one stops matching. An L1 hit therefore needs no Redis round
 * trip while the subscription is live.
 *
 * Outages: the moment the subscription drops, local states stop being trusted (events may be
 * missed from then on) and each lookup reads Redis again; while Redis cannot be read at all,
 * nothing can be written either, so the last state this process knew still holds and an L1
 * hit still answers. Once resubscribed, everything local is dropped (versions may have moved
 * meanwhile), and a read that raced an event or a resubscription is never kept.
 */
@Injectable()
export class CollectionStates implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CollectionStates');
  private readonly states = new Map<string, CollectionState>();
  private readonly listeners: VersionListener[] = [];
  private subscriber?: Redis;
  private subscribed = false;
  /** Bumped at every (re)subscription; with `bumps`, tells whether a read raced an event. */
  private generation = 0;
  private readonly bumps = new Map<string, number>();

  constructor(
    private readonly collectionRecords: CollectionRecords,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const subscriber = duplicateConnection(this.redis, {
      connectionName: `${this.config.prefix}:collection-states`,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
      // Resubscribing is done here, so the moment it is confirmed is known (see subscribe()).
      autoResubscribe: false,
    });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('close', () => (this.subscribed = false));
    subscriber.on('message', (_channel: string, message: string) => this.onEvent(message));
    await new Promise<void>((resolve) => {
      subscriber.on('ready', () => void this.subscribe(subscriber).then((ok) => ok && resolve()));
    });
  }

  /** Whether local states are kept fresh by a live subscription. */
  get live(): boolean {
    return this.subscribed;
  }

  private async subscribe(subscriber: Redis): Promise<boolean> {
    try {
      await subscriber.subscribe(this.collectionRecords.eventsChannel);
    } catch (err) {
      // The connection dropped again; its next 'ready' tries again.
      this.logger.debug(`subscribing to version events: ${(err as Error).message}`);
      return false;
    }
    this.generation++;
    this.states.clear();
    this.subscribed = true;
    return true;
  }

  onVersion(listener: VersionListener): void {
    this.listeners.push(listener);
  }

  private onEvent(message: string): void {
    let event: VersionEvent;
    try {
      event = JSON.parse(message) as VersionEvent;
    } catch {
      return;
    }
    if (event.type !== 'version') return;
    this.bumps.set(event.collection, (this.bumps.get(event.collection) ?? 0) + 1);
    this.states.delete(event.collection);
    for (const listener of this.listeners) {
      try {
        listener(event.collection, event.version);
      } catch (err) {
        this.logger.warn(`version listener failed: ${(err as Error).message}`);
      }
    }
  }

  private stamp(name: string): string {
    return `${this.generation}:${this.bumps.get(name) ?? 0}`;
  }

  async get(name: string): Promise<CollectionState | null> {
    // A version event published before this request was sent may sit unread in the subscriber's
    // socket when both became readable in the same event-loop turn; one setImmediate lets the
    // whole poll phase run first, so a completed write is never answered from the old version.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const known = this.states.get(name);
    if (known && this.subscribed) return known;
    const stamp = this.stamp(name);
    let state: CollectionState | null;
    try {
      // Record and version in one read: a re-embedding switches both at once.
      state = await this.collectionRecords.getCollectionState(name);
    } catch (err) {
      if (!isRedisUnavailable(err)) throw err;
      if (known) return known;
      throw redisUnavailable('collection catalog', err);
    }
    if (!state) return null;
    // An event that arrived during the read may be newer than what was read: use, don't keep.
    if (this.stamp(name) === stamp) this.states.set(name, state);
    return state;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
