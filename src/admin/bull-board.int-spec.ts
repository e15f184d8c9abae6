import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { PrivateRedis } from '../redis/testing/private-redis';
import { BULL_BOARD_PATH, registerBullBoard } from './bull-board';

/** Issue 14, item 5: Bull Board's API must not answer a Redis failure with the client's text. */
describe('Bull Board errors', () => {
  it('answers a Redis that cannot be reached in the API error shape, without driver text', async () => {
    const redis = await PrivateRedis.start();
    const queue = new Queue('ingest', {
      connection: {
        host: '127.0.0.1',
        port: redis.port,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      },
    });
    queue.on('error', () => undefined);
    await queue.waitUntilReady();
    // Redis goes away: every command now fails, with the client library's own wording.
    await redis.destroy();
    const fastify = Fastify();
    registerBullBoard(fastify, {
      queues: [queue],
      settings: { readOnly: false, pollMs: 5000 } as Parameters<
        typeof registerBullBoard
      >[1]['settings'],
      onRequest: async () => undefined,
    });
    const warn = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const res = await fastify.inject(`${BULL_BOARD_PATH}/api/queues?activeQueue=ingest`);
      expect(res.statusCode).toBeGreaterThanOrEqual(500);
      const body = res.json() as { error: { code: string; message: string } };
      expect(typeof body.error.code).toBe('string');
      expect(res.body).not.toMatch(
        /ioredis|enableOfflineQueue|maxRetriesPerRequest|Stream isn't|127\.0\.0\.1/,
      );
    } finally {
      warn.mockRestore();
      await fastify.close();
      await queue.disconnect();
    }
  });
});
