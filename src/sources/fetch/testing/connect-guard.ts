import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { lookup as dnsLookup } from 'node:dns';
import { isIP, type Socket } from 'node:net';

type LookupCallback = (err: Error | null, address?: unknown, family?: number) => void;
type Lookup = (host: string, options: object, callback: LookupCallback) => void;

/**
 * Watches every TCP connection this process opens (Node's `net.client.socket` channel) and
 * stops, before it connects, any to an address other than 127.0.0.1: an IP literal at once,
 * a host name when its lookup answers. What it stopped is in `violations`, for the test to
 * assert empty. Independent of the code under test: it sees sockets, not fetcher calls.
 */
export class ConnectGuard {
  readonly violations: string[] = [];
  private readonly onSocket = (message: unknown) =>
    this.watch((message as { socket: Socket }).socket);

  constructor(private readonly allowed = new Set(['127.0.0.1'])) {}

  start(): this {
    subscribe('net.client.socket', this.onSocket);
    return this;
  }

  stop(): void {
    unsubscribe('net.client.socket', this.onSocket);
  }

  private refuse(_socket: Socket, address: string): Error {
    this.violations.push(address);
    return new Error(`ConnectGuard: a connection to ${address} was attempted`);
  }

  private watch(socket: Socket): void {
    const original = socket.connect;
    const refuse = (address: string) => this.refuse(socket, address);
    const allowed = this.allowed;
    socket.connect = function guardedConnect(this: Socket, ...args: unknown[]) {
      const first = args[0];
      const options = (
        Array.isArray(first) ? first[0] : typeof first === 'object' ? first : { host: args[1] }
      ) as {
        host?: string;
        path?: string;
        lookup?: Lookup;
      };
      if (options && !options.path) {
        const host = (options.host ?? 'localhost').replace(/^\[|\]$/g, '');
        if (isIP(host)) {
          if (!allowed.has(host)) {
            const error = refuse(host);
            process.nextTick(() => socket.destroy(error));
            return socket;
          }
        } else {
          const lookup = (options.lookup ?? dnsLookup) as Lookup;
          options.lookup = (name, opts, callback) =>
            lookup(name, opts, (err, address, family) => {
              if (err) return callback(err);
              const all = Array.isArray(address)
                ? (address as Array<{ address: string }>).map((a) => a.address)
                : [String(address)];
              const bad = all.find((a) => !allowed.has(a));
              if (bad) return callback(refuse(bad));
              callback(null, address, family);
            });
        }
      }
      return (original as (...a: unknown[]) => Socket).apply(this, args);
    } as typeof socket.connect;
  }
}
