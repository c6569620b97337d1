/**
 * `--queue redis://HOST:PORT[/DB]`: where a run and its workers meet. `rediss://` connects with TLS;
 * `redis://:PASSWORD@HOST:PORT` or `redis://USER:PASSWORD@...` authenticates. The password never shows in
 * what `display` prints.
 */
import { ValidationError } from '../core/errors.ts';

const ACCEPTED = 'redis://HOST:PORT[/DB] (or rediss:// for TLS; redis://[USER]:PASSWORD@HOST:PORT to authenticate), e.g. redis://127.0.0.1:6379/0';

/** A parsed queue address. */
export interface QueueAddress {
  host: string;
  port: number;
  /** Redis database number. Default 0. */
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The address without its password, for messages. */
  display: string;
}

/** Parses a queue URL; anything else is an error naming `field` and the accepted form. */
export function parseQueueUrl(text: string, field = '--queue'): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError(`'${text}' is not a URL`, { field }, ACCEPTED);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ValidationError(`'${text}' is not a redis:// URL`, { field }, ACCEPTED);
  if (url.hostname === '') throw new ValidationError(`'${text}' names no host`, { field }, ACCEPTED);
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw new ValidationError(`database '${path}' in '${text}' is not a number`, { field }, ACCEPTED);
  if (url.search !== '' || url.hash !== '') throw new ValidationError(`'${text}' has a query or fragment`, { field }, ACCEPTED);
  const db = path === '' ? 0 : Number(path);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const username = url.username !== '' ? decodeURIComponent(url.username) : undefined;
  const password = url.password !== '' ? decodeURIComponent(url.password) : undefined;
  const auth = url.username !== '' || url.password !== '' ? `${url.username}${url.password !== '' ? ':***' : ''}@` : '';
  return { host, port, db, username, password, tls: url.protocol === 'rediss:', display: `${url.protocol}//${auth}${url.host}/${db}` };
}

/**
 * ioredis options for an address. Commands wait through an outage (no retry limit) and reconnect with a
 * growing pause of up to 2 s, so a restarted Redis is found again within seconds.
 */
export function redisOptions(address: QueueAddress): Record<string, unknown> {
  return {
    host: address.host, port: address.port, db: address.db,
    ...(address.username !== undefined ? { username: address.username } : {}),
    ...(address.password !== undefined ? { password: address.password } : {}),
    ...(address.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** Checks a queue name (BullMQ refuses `:`); returns it. */
export function checkQueueName(name: string, field = '--queue-name'): string {
  if (!/^[\w.-]+$/.test(name)) throw new ValidationError(`'${name}' is not a queue name`, { field }, 'letters, digits, _, . and -');
  return name;
}
