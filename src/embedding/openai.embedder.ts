import { EmbeddingDimensionMismatchError, EmbeddingRequestError } from './embedding.errors';
import type { Embedder } from './embedder.port';
import { backoffMs, retryAfterMs, sleep } from './retry-timing';
import { normaliseEmbeddingBatch, normaliseEmbeddingText } from './text-normalisation';
import { toUnitVector } from './unit-vector';

export interface OpenAiEmbedderOptions {
  /**
   * The server: its root (`http://localhost:11434`), its `/v1` base as in the OpenAI SDK
   * (`https://api.openai.com/v1`), or the full `.../v1/embeddings` URL.
   */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Size of the vectors the server returns; a different size is an error, never stored. */
  dimensions: number;
  /** Inputs per request. Default 128 (OpenAI allows 2048; TEI's default limit is 32). */
  maxInputsPerRequest?: number;
  /** Estimated tokens per request (see countTokens). Default 100000 (OpenAI's limit: 300000). */
  maxTokensPerRequest?: number;
  /** Tokens per input the chunker may use. Default: 8191 for OpenAI's models, 512 otherwise. */
  maxInputTokens?: number;
  /** Per attempt, including reading the body. Default 30000. */
  timeoutMs?: number;
  /** Retries after the first attempt, on 408, 429, 5xx, network errors and timeouts. Default 5. */
  maxRetries?: number;
  /** Backoff when the server gives no Retry-After. Defaults 500 ms doubling up to 20 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest Retry-After honoured; longer ones are cut to this. Default 60000. */
  maxRetryAfterMs?: number;
  /** Requests in flight at once for one embed() call. Default 2. */
  concurrency?: number;
}

/** Vector sizes and input limits of OpenAI's own embedding models. */
export const OPENAI_MODELS: Readonly<
  Record<string, { dimensions: number; maxInputTokens: number }>
> = {
  'text-embedding-3-small': { dimensions: 1536, maxInputTokens: 8191 },
  'text-embedding-3-large': { dimensions: 3072, maxInputTokens: 8191 },
  'text-embedding-ada-002': { dimensions: 1536, maxInputTokens: 8191 },
};

/** `openai:<model>`: the id collections record (and the registry offers) for this model. */
export function openAiEmbedderId(model: string): string {
  return `openai:${model}`;
}

/** Where the POST goes, from any of the accepted forms of `baseUrl`. */
export function embeddingsEndpoint(baseUrl: string): string {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/embeddings')) url.pathname = path;
  else if (path.endsWith('/v1')) url.pathname = `${path}/embeddings`;
  else url.pathname = `${path}/v1/embeddings`;
  return url.toString();
}

/**
 * Conservative token estimate for models whose tokenizer is not available here: one token per
 * three UTF-8 bytes (English BPE averages about four characters per token).
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}

/** Splits inputs into requests bounded by count and by estimated tokens (one input at least). */
export function planRequests(
  texts: readonly string[],
  maxInputs: number,
  maxTokens: number,
): Array<{ start: number; end: number }> {
  const plans: Array<{ start: number; end: number }> = [];
  let start = 0;
  let tokens = 0;
  texts.forEach((text, index) => {
    const estimate = estimateTokens(text);
    const count = index - start;
    if (count > 0 && (count >= maxInputs || tokens + estimate > maxTokens)) {
      plans.push({ start, end: index });
      start = index;
      tokens = 0;
    }
    tokens += estimate;
  });
  if (texts.length > start) plans.push({ start, end: texts.length });
  return plans;
}

type Attempt =
  | { ok: true; vectors: Float32Array[] }
  | {
      ok: false;
      retryable: boolean;
      status?: number;
      waitMs?: number;
      message: string;
      cause?: unknown;
    };

/** Any OpenAI-compatible `/v1/embeddings` server: OpenAI, Ollama, TEI, vLLM, LocalAI. */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly maxInputTokens: number;
  private readonly endpoint: string;
  private readonly settings: Required<
    Pick<
      OpenAiEmbedderOptions,
      | 'maxInputsPerRequest'
      | 'maxTokensPerRequest'
      | 'timeoutMs'
      | 'maxRetries'
      | 'backoffBaseMs'
      | 'backoffMaxMs'
      | 'maxRetryAfterMs'
      | 'concurrency'
    >
  >;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1) {
      throw new RangeError(`openai embedder: dimensions must be a positive integer`);
    }
    this.endpoint = embeddingsEndpoint(options.baseUrl);
    this.id = openAiEmbedderId(options.model);
    this.dimensions = options.dimensions;
    this.maxInputTokens =
      options.maxInputTokens ?? OPENAI_MODELS[options.model]?.maxInputTokens ?? 512;
    this.settings = {
      maxInputsPerRequest: options.maxInputsPerRequest ?? 128,
      maxTokensPerRequest: options.maxTokensPerRequest ?? 100_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: options.maxRetries ?? 5,
      backoffBaseMs: options.backoffBaseMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 20_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      concurrency: options.concurrency ?? 2,
    };
  }

  /** An estimate (see estimateTokens): the server's tokenizer is not available here. */
  countTokens(text: string): number {
    return estimateTokens(normaliseEmbeddingText(text));
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const normalised = normaliseEmbeddingBatch(texts);
    const plans = planRequests(
      normalised,
      this.settings.maxInputsPerRequest,
      this.settings.maxTokensPerRequest,
    );
    const out = new Array<Float32Array>(normalised.length);
    let next = 0;
    let failed = false;
    const lane = async (): Promise<void> => {
      while (next < plans.length && !failed) {
        const { start, end } = plans[next++];
        try {
          const vectors = await this.request(normalised.slice(start, end));
          vectors.forEach((vector, offset) => (out[start + offset] = vector));
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.settings.concurrency, plans.length) }, lane),
    );
    return out;
  }

  async close(): Promise<void> {
    // Stateless: global fetch keeps its own connection pool.
  }

  private async request(inputs: string[]): Promise<Float32Array[]> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.attempt(inputs);
      if (result.ok) return result.vectors;
      if (!result.retryable || attempt >= this.settings.maxRetries) {
        throw new EmbeddingRequestError(
          `embedding request to ${this.endpoint} failed after ${attempt + 1} attempt(s): ${result.message}`,
          result.status,
          attempt + 1,
          { cause: result.cause },
        );
      }
      const wait =
        result.waitMs !== undefined
          ? Math.min(result.waitMs, this.settings.maxRetryAfterMs)
          : backoffMs(attempt, this.settings.backoffBaseMs, this.settings.backoffMaxMs);
      await sleep(wait);
    }
  }

  private async attempt(inputs: string[]): Promise<Attempt> {
    const body: Record<string, unknown> = {
      model: this.options.model,
      input: inputs,
      encoding_format: 'float',
    };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.settings.timeoutMs);
    try {
      const response = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      const text = await response.text();
      if (!response.ok) {
        const status = response.status;
        return {
          ok: false,
          retryable: status === 408 || status === 429 || status >= 500,
          status,
          waitMs: retryAfterMs(response.headers),
          message: `HTTP ${status}: ${text.slice(0, 300)}`,
        };
      }
      return { ok: true, vectors: this.parse(text, inputs.length) };
    } catch (error) {
      if (error instanceof EmbeddingDimensionMismatchError) throw error;
      if (error instanceof MalformedResponseError) {
        return { ok: false, retryable: false, message: error.message, cause: error };
      }
      const timedOut = controller.signal.aborted;
      return {
        ok: false,
        retryable: true,
        message: timedOut
          ? `timed out after ${this.settings.timeoutMs} ms`
          : `network error: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Vectors in input order (by `index`), unit length, checked against `dimensions`. */
  private parse(text: string, expected: number): Float32Array[] {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new MalformedResponseError(`response is not JSON: ${text.slice(0, 200)}`);
    }
    const data = isRecord(json) ? json.data : undefined;
    if (!Array.isArray(data) || data.length !== expected) {
      throw new MalformedResponseError(
        `expected ${expected} embeddings in "data", got ${Array.isArray(data) ? data.length : 'none'}`,
      );
    }
    const out = new Array<Float32Array | undefined>(expected);
    data.forEach((item: unknown, position) => {
      if (!isRecord(item)) throw new MalformedResponseError(`data[${position}] is not an object`);
      const index = item.index ?? position;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected) {
        throw new MalformedResponseError(`data[${position}].index is invalid: ${String(index)}`);
      }
      if (out[index] !== undefined) throw new MalformedResponseError(`index ${index} repeated`);
      const values = decodeEmbedding(item.embedding, position);
      if (values.length !== this.dimensions) {
        throw new EmbeddingDimensionMismatchError(this.id, this.dimensions, values.length);
      }
      out[index] = toUnitVector(values);
    });
    return out.map((vector, index) => {
      if (vector === undefined) throw new MalformedResponseError(`index ${index} missing`);
      return vector;
    });
  }
}

class MalformedResponseError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

/** A float array, or base64 of little-endian float32 (`encoding_format: "base64"`). */
function decodeEmbedding(embedding: unknown, position: number): ArrayLike<number> {
  if (typeof embedding === 'string') {
    const bytes = Buffer.from(embedding, 'base64');
    const values = new Float32Array(bytes.length >> 2);
    new Uint8Array(values.buffer).set(bytes.subarray(0, values.length * 4));
    return values;
  }
  if (isNumberArray(embedding)) return embedding;
  throw new MalformedResponseError(`data[${position}].embedding is not a list of numbers`);
}
