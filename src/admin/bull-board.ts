import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import { Logger } from '@nestjs/common';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { toErrorResponse } from '../http/http-exception.filter';
import { AdminSettings, bullBoardPollSeconds } from './admin-settings';

export const BULL_BOARD_PATH = '/admin/queues';
const logger = new Logger('BullBoard');
export const ADMIN_PAGE_PATH = '/admin';

const QUEUE_DESCRIPTIONS: Record<string, string> = {
  ingest: 'Documents to parse, chunk, embed and upsert (one job per document version)',
  search: 'Searches that missed both cache tiers, micro-batched by the search worker',
  reembed: 'Collections being embedded again with another embedder (one job per collection)',
  tune: 'Recall and latency measurements of a collection at several ef values (ragline tune)',
};

/** Bull Board's page links its web fonts from the internet; they come from here instead. */
export const BULL_BOARD_FONTS = `${ADMIN_PAGE_PATH}/assets/bull-board-fonts.css`;
/** Makes the board's fetch() work on a page opened as user:key@host (see the file). */
export const BULL_BOARD_FETCH_SCRIPT = `${ADMIN_PAGE_PATH}/assets/bull-board-fetch.js`;
const REMOTE_LINK = /<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>/g;
const BASE_ELEMENT = /<base\b[^>]*>/;

/**
 * The board's HTML for this server: every link to another origin replaced by the local font
 * stylesheet, and a script first thing that keeps the board's fetch() calls working when the
 * page was opened with credentials in its URL (user:key@host).
 */
export function servedBoardHtml(html: string): string {
  let replaced = false;
  return html
    .replace(REMOTE_LINK, () => {
      if (replaced) return '';
      replaced = true;
      return `<link href="${BULL_BOARD_FONTS}" rel="stylesheet">`;
    })
    .replace(
      BASE_ELEMENT,
      (base) => `<script src="${BULL_BOARD_FETCH_SCRIPT}"></script>\n    ${base}`,
    );
}

export interface BullBoardOptions {
  queues: readonly Queue[];
  settings: AdminSettings;
  /** Runs before every Bull Board route (page, static files, API): the admin auth check. */
  onRequest: onRequestAsyncHookHandler;
}

export function bullBoardAdapters(queues: readonly Queue[], settings: AdminSettings) {
  return queues.map(
    (queue) =>
      new BullMQAdapter(queue, {
        readOnlyMode: settings.readOnly,
        allowRetries: !settings.readOnly,
        description: QUEUE_DESCRIPTIONS[queue.name] ?? '',
      }),
  );
}

/**
 * Mounts Bull Board at /admin/queues on the app's Fastify instance, in its own encapsulated
 * scope so the auth hook, @fastify/view, @fastify/static and Bull Board's error handler apply to
 * its routes only. Call before the server starts listening (Nest's onModuleInit is early enough:
 * Fastify loads registered plugins at ready()).
 */
export function registerBullBoard(fastify: FastifyInstance, options: BullBoardOptions): void {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: bullBoardAdapters(options.queues, options.settings),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'ragline queues',
        boardLogo: { path: `${ADMIN_PAGE_PATH}/assets/favicon.svg`, width: 28, height: 28 },
        favIcon: {
          default: `${ADMIN_PAGE_PATH}/assets/favicon.svg`,
          alternative: 'static/favicon-32x32.png',
        },
        miscLinks: [{ text: 'Performance', url: ADMIN_PAGE_PATH }],
        hideDocsLink: true,
        // Seconds; forced so one busy tab cannot poll a large queue every second.
        pollingInterval: {
          forceInterval: bullBoardPollSeconds(options.settings.pollMs),
          showSetting: true,
        },
        ...(options.settings.readOnly
          ? { environment: { label: 'read-only', color: '#b45309', textColor: '#ffffff' } }
          : {}),
      },
    },
  });
  // Bull Board's own handler answers with the raw error text (ioredis wording, paths): the
  // API's one sanitised error shape instead, the text to the log.
  serverAdapter.setErrorHandler((error) => {
    const { status, body } = toErrorResponse(error);
    logger.warn(`${BULL_BOARD_PATH}: ${status} ${error.message}`);
    return { status: status as 500, body };
  });
  void fastify.register(
    async (scope) => {
      scope.addHook('onRequest', options.onRequest);
      scope.addHook('onSend', async (_request, reply, payload) => {
        const type = String(reply.getHeader('content-type') ?? '');
        return typeof payload === 'string' && type.startsWith('text/html')
          ? servedBoardHtml(payload)
          : payload;
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: BULL_BOARD_PATH },
  );
}
