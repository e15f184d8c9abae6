type Env = Record<string, string | undefined>;

/** Where the CLI finds ragline: RAGLINE_URL, else the HOST and PORT that `npm start` uses. */
export function defaultBaseUrl(env: Env = process.env): string {
  const explicit = env.RAGLINE_URL?.trim();
  if (explicit) return explicit;
  let host = env.HOST?.trim() || '127.0.0.1';
  // A server bound to every interface is reached through loopback.
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::' || host === '[::]') host = '::1';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const port = env.PORT?.trim() || '3000';
  return `http://${host}:${port}`;
}

export function unreachableMessage(baseUrl: string): string {
  return `cannot reach ragline at ${baseUrl}: is it running? start it with npm start`;
}
