import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { CatalogService, VersionEvent } from '../catalog/catalog.service';
import { CollectionRecord } from '../catalog/catalog.types';
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
 * trip. After a reconnect (events may have been missed) everything local is dropped.
 */
@Injectable()
export class CollectionStates implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CollectionStates');
  private readonly states = new Map<string, CollectionState>();
  private readonly listeners: VersionListener[] = [];
  /** Counts version events (and reconnects): a read that saw one arrive is not cached. */
  private events = 0;
  private subscriber?: Redis;

  constructor(
    private readonly catalog: CatalogService,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onModuleInit(): Promise<void> {
    const subscriber = this.redis.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('ready', () => {
      this.events++;
      this.states.clear();
    });
    subscriber.on('message', (_channel: string, message: string) => this.onEvent(message));
    await subscriber.subscribe(this.catalog.eventsChannel);
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
    this.events++;
    this.states.delete(event.collection);
    for (const listener of this.listeners) {
      try {
        listener(event.collection, event.version);
      } catch (err) {
        this.logger.warn(`version listener failed: ${(err as Error).message}`);
      }
    }
  }

  async get(name: string): Promise<CollectionState | null> {
    // A version event published before this request was sent may sit unread in the subscriber's
    // socket when both became readable in the same event-loop turn; one setImmediate lets the
    // whole poll phase run first, so a completed write is never answered from the old version.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const known = this.states.get(name);
    if (known) return known;
    const eventsBefore = this.events;
    // Record and version in one read: a re-embedding switches both at once.
    const state = await this.catalog.getCollectionState(name);
    if (!state) return null;
    // An event that arrived during the read may be newer than what was read: use, don't keep.
    if (this.events === eventsBefore) this.states.set(name, state);
    return state;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
