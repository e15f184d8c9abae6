import { promisify } from 'node:util';
import zlib from 'node:zlib';

/** The encodings a fetch asks for, and this module decodes. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

/**
 * Decodes a body by its `Content-Encoding`, never to more than `maxBytes`: a small compressed
 * body may expand a thousandfold (a decompression bomb), so the limit on what is read also
 * holds for what it becomes. zlib stops at `maxOutputLength`; that is reported as over the limit.
 * Runs on libuv's pool, off the event loop.
 */
export async function decodeBody(
  body: Buffer,
  encoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const codings = (encoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  let out = body;
  // Codings are listed in the order they were applied: undone last to first.
  for (const coding of codings.reverse()) {
    const options = { maxOutputLength: maxBytes };
    try {
      if (coding === 'gzip' || coding === 'x-gzip') out = await gunzip(out, options);
      else if (coding === 'br') out = await brotli(out, options);
      else if (coding === 'deflate') {
        // "deflate" should carry a zlib header; some servers send raw deflate.
        out = await inflate(out, options).catch((err: NodeJS.ErrnoException) =>
          err.code === 'ERR_BUFFER_TOO_LARGE' ? Promise.reject(err) : inflateRaw(out, options),
        );
      } else throw new Error(`content-encoding '${coding}' is not supported`);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
        throw new Error(
          `body decompresses (${coding}) to over the ${maxBytes}-byte limit; refused as a possible decompression bomb`,
        );
      }
      if (/not supported/.test(e.message)) throw e;
      throw new Error(`body is not valid ${coding} (${e.message})`);
    }
  }
  return out;
}
