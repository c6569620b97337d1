/**
 * `nas dashboard`: the report's views served live for every run under a directory. Read-only (GET and
 * HEAD only; nothing is ever written), bound to 127.0.0.1 unless told otherwise, and it serves nothing
 * but the pages of the runs it found: a request names a run by its id from the list of runs, never by
 * a path on disk, so `..`, absolute paths and links out of the directory lead nowhere. While bound to
 * loopback it answers only requests addressed to a loopback name (no DNS rebinding).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NasError } from '../core/errors.ts';
import { DashboardPages, type RenderedPage } from './dashboard-pages.ts';

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** A run directory, or a folder whose runs (up to four levels down) are shown. */
  dir: string;
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** How often an open page asks whether its run changed, in milliseconds. Default 2000. */
  pollMs?: number;
  /** Where request errors are reported. Default: stderr. */
  log?: (line: string) => void;
}

/** A running dashboard. */
export interface Dashboard {
  /** Its address, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  host: string;
  port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** True for an address that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY', 'content-length': String(Buffer.byteLength(body)), ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendPage(res: ServerResponse, p: RenderedPage): void {
  send(res, 200, p.html, 'text/html; charset=utf-8', { 'content-security-policy': p.csp });
}

/** The host name a request was addressed to (Host header without the port). */
function hostOf(req: IncomingMessage): string {
  const h = (req.headers.host ?? '').toLowerCase();
  return h.startsWith('[') ? h.slice(1, h.indexOf(']')) : h.replace(/:\d+$/, '');
}

/** Why a raw request target is refused before any lookup, or undefined when it is fine. */
function refusal(target: string): string | undefined {
  if (!target.startsWith('/')) return 'only paths are served';
  let decoded = target;
  try {
    for (let i = 0; i < 3 && /%[0-9a-f]{2}/i.test(decoded); i++) decoded = decodeURIComponent(decoded);
  } catch {
    return 'malformed escape in the path';
  }
  if (/(^|[/\\])\.\.([/\\]|$)/.test(decoded) || decoded.includes('\\') || decoded.includes('\0')) return 'path traversal refused';
  return undefined;
}

async function route(pages: DashboardPages, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = req.url ?? '/';
  const refused = refusal(target);
  if (refused) return send(res, 400, `${refused}\n`);
  const path = new URL(target, 'http://dashboard').pathname;
  if (path === '/') return sendPage(res, await pages.overview());
  if (path === '/version') return send(res, 200, pages.overviewVersion());
  if (path.startsWith('/run/')) {
    const rest = decodeURIComponent(path.slice('/run/'.length)).replace(/\/+$/, '');
    const wantsVersion = rest.endsWith('/version');
    const id = wantsVersion ? rest.slice(0, -'/version'.length) : rest;
    const run = pages.runs().find((r) => r.id === id);
    if (!run) return send(res, 404, `no run '${id}' here; the runs are listed at /\n`);
    return wantsVersion ? send(res, 200, pages.runVersion(run)) : sendPage(res, await pages.run(run));
  }
  return send(res, 404, 'not found; the runs are listed at /\n');
}

/** Starts the dashboard; resolves once it listens. */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const pages = new DashboardPages({ dir: o.dir, pollMs: o.pollMs });
  pages.runs(); // fails now, naming the directory, when it is not one
  const log = o.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const loopbackOnly = isLoopback(host);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'read-only: GET and HEAD only\n', undefined, { allow: 'GET, HEAD' });
    if (loopbackOnly && !isLoopback(hostOf(req))) return send(res, 421, 'this dashboard answers only requests addressed to 127.0.0.1 or localhost\n');
    route(pages, req, res).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      log(`nas dashboard: ${req.url}: ${message}`);
      if (!res.headersSent) send(res, 500, `could not render this page: ${message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const port = o.port ?? 8080;
      reject(err.code === 'EADDRINUSE'
        ? new NasError(`port ${port} on ${host} is in use; choose another with --port (0 picks a free one)`)
        : new NasError(`cannot listen on ${host}:${port}: ${err.message}`));
    });
    server.listen(o.port ?? 8080, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/`, host: address.address, port: address.port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
