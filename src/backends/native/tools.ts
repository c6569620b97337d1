/**
 * The external tools the native install drives (python -m pip, npm, node-gyp, ldd), each found on the
 * machine, never downloaded, with an actionable error when one is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NasError } from '../../core/errors.ts';

/** A step of the native install failed; the message says which step, why, and what to do. */
export class NativeInstallError extends NasError {}

/** Options of {@link runTool}. */
export interface RunToolOptions {
  /** Working directory. Default: the current one. */
  cwd?: string;
  /** Extra environment variables. Default: none. */
  env?: Record<string, string>;
  /** Called with each chunk of output (stdout and stderr). Default: output is only collected. */
  onOutput?: (text: string) => void;
}

/** Exit status and the last 8 kB of combined output of a finished tool. */
export interface ToolResult {
  code: number;
  tail: string;
}

/** Runs `cmd args` to completion; never throws for a non-zero exit (the caller decides). */
export function runTool(cmd: string, args: string[], opts: RunToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolve) => {
    let tail = '';
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const take = (chunk: Buffer): void => {
      const text = chunk.toString();
      tail = (tail + text).slice(-8192);
      opts.onOutput?.(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => resolve({ code: 127, tail: `${tail}${err.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, tail }));
  });
}

/** The Python interpreter that runs pip: $NAS_PYTHON, else python3. */
export function pythonCommand(): string {
  return process.env.NAS_PYTHON ?? 'python3';
}

/** Throws a NativeInstallError unless `python -m pip` answers. Returns pip's version line. */
export function checkPip(): string {
  const python = pythonCommand();
  const res = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' });
  if (res.error !== undefined || res.status !== 0) {
    throw new NativeInstallError(
      `cannot run '${python} -m pip' (${res.error?.message ?? res.stderr.trim()}); the native backend ` +
        'takes TensorFlow from its PyPI wheels: install Python 3 with pip (e.g. apt-get install python3-pip), ' +
        'or point NAS_PYTHON at an interpreter that has pip',
    );
  }
  return res.stdout.trim();
}

/**
 * The prefix whose include/node holds the running Node.js headers (node.h, common.gypi), for node-gyp's
 * --nodedir: $NAS_NODEDIR, else the installation of the running `node` binary (/usr for /usr/bin/node).
 */
export function nodeHeadersDir(): string {
  const candidates = [process.env.NAS_NODEDIR, dirname(dirname(process.execPath)), '/usr', '/usr/local'];
  for (const dir of candidates) {
    if (dir !== undefined && existsSync(join(dir, 'include', 'node', 'node_api.h')) &&
      existsSync(join(dir, 'include', 'node', 'common.gypi'))) {
      return dir;
    }
  }
  throw new NativeInstallError(
    `Node.js headers not found (looked for include/node/node_api.h and common.gypi under ` +
      `${candidates.filter((c) => c !== undefined).join(', ')}); install the headers of Node ${process.version} ` +
      '(they ship with the official Node.js tarballs and with distribution packages such as nodejs-dev), ' +
      'or set NAS_NODEDIR to the prefix that holds include/node',
  );
}

/** node-gyp's entry script: $NAS_NODE_GYP, else the copy bundled with npm, else `node-gyp` on PATH. */
export function nodeGypCommand(): { cmd: string; args: string[] } {
  const own = process.env.NAS_NODE_GYP;
  if (own !== undefined) return { cmd: process.execPath, args: [own] };
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  if (npmRoot.status === 0) {
    const script = join(npmRoot.stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(script)) return { cmd: process.execPath, args: [script] };
  }
  const bundled = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'node_modules',
    'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return { cmd: process.execPath, args: [bundled] };
  const onPath = spawnSync('node-gyp', ['--version'], { encoding: 'utf8' });
  if (onPath.status === 0) return { cmd: 'node-gyp', args: [] };
  throw new NativeInstallError(
    'node-gyp not found (neither bundled with npm nor on PATH); install it with `npm install -g node-gyp` ' +
      'or set NAS_NODE_GYP to its bin/node-gyp.js',
  );
}

/** Throws unless a C++ compiler and make are present (node-gyp needs both on Linux). */
export function checkCompiler(): void {
  for (const [tool, hint] of [['make', 'make'], ['g++', 'g++ (build-essential)']] as const) {
    const res = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (res.error !== undefined || res.status !== 0) {
      throw new NativeInstallError(`'${tool}' not found; building the tfjs-node binding needs ${hint}`);
    }
  }
}

/** Shared libraries `ldd` reports as not found for `file`; empty when all resolve or ldd is absent. */
export function unresolvedLibraries(file: string): string[] {
  const res = spawnSync('ldd', [file], { encoding: 'utf8' });
  if (res.error !== undefined || res.status !== 0) return [];
  return res.stdout.split('\n').filter((l) => l.includes('not found')).map((l) => l.trim().split(/\s+/)[0] ?? l);
}
