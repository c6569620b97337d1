/**
 * Real redis-server instances for the queue tests: each on a free port of 127.0.0.1 with its own
 * temporary data folder, started and stopped by the test (and killed when the test process exits), and
 * `nas worker` processes to serve them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requires } from './requirements.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Whether the queue tests must skip (no redis-server on the PATH). */
export function skipWithoutRedis(): boolean {
  const present = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
  return requires('redis', present, 'redis-server is not installed (Debian: apt-get install redis-server)');
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Sends one inline command and returns the first reply line, or undefined when nothing listens. */
function command(port: number, text: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const done = (value: string | undefined): void => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(2000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.split('\r\n')[0]);
    });
    socket.connect(port, '127.0.0.1', () => socket.write(`${text}\r\n`));
  });
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** A redis-server of a test. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly appendonly: boolean;
  private process: ChildProcess | undefined;

  private constructor(port: number, appendonly: boolean) {
    this.port = port;
    this.appendonly = appendonly;
    this.dir = mkdtempSync(join(tmpdir(), 'nas-redis-'));
  }

  /** Starts a server; `appendonly` keeps every write in an fsynced append-only file, so a restart finds it all. */
  static async start(options: { appendonly?: boolean } = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options.appendonly ?? false);
    await server.up();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server process (again, on the same port and data folder). */
  async up(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--daemonize', 'no', '--protected-mode', 'no',
      '--appendonly', this.appendonly ? 'yes' : 'no', '--appendfsync', 'always'];
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    this.process = proc;
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      if ((await command(this.port, 'PING')) === '+PONG') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /** Stops the server process with `signal` (SIGKILL: no chance to save) and waits for it. */
  async down(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.process;
    this.process = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  }

  /** Empties every database. */
  async flushAll(): Promise<void> {
    const reply = await command(this.port, 'FLUSHALL');
    if (reply !== '+OK') throw new Error(`FLUSHALL answered ${reply}`);
  }

  /** Stops the server and removes its data folder. */
  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A `nas worker` process of a test, its stderr kept. */
export class WorkerProcess {
  readonly process: ChildProcess;
  log = '';

  constructor(args: string[], options: { cwd?: string } = {}) {
    this.process = spawn(process.execPath, [join(ROOT, 'bin', 'nas.js'), 'worker', ...args], { cwd: options.cwd ?? ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(this.process);
    this.process.once('exit', () => live.delete(this.process));
    this.process.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
  }

  get pid(): number {
    return this.process.pid ?? 0;
  }

  /** Waits until the log matches `pattern` (or `ms` pass). */
  async waitFor(pattern: RegExp, ms = 60_000): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (pattern.test(this.log)) return true;
      if (this.process.exitCode !== null || this.process.signalCode !== null) return pattern.test(this.log);
      await new Promise((r) => setTimeout(r, 50));
    }
    return pattern.test(this.log);
  }

  /** Sends `signal` and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.process;
    if (p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
  }
}
