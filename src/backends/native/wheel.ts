/**
 * TensorFlow's libraries and C headers from its PyPI wheels: fetched with the ordinary Python package
 * client (`pip download --no-deps`) and unpacked member by member with Python's zipfile (a wheel is a zip).
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NativeInstallError, pythonCommand, runTool } from './tools.ts';
import { WHEEL_PLATFORMS, WHEEL_PYTHON_VERSION } from './layout.ts';

/** Options of {@link downloadWheels}. */
export interface DownloadOptions {
  /** Requirement strings, e.g. `tensorflow-cpu==2.15.1`. */
  requirements: readonly string[];
  /** Folder the wheels are saved in; pip reuses a wheel already there. */
  dir: string;
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
}

/** The wheel file name prefix pip uses for a project (`tensorflow-cpu` -> `tensorflow_cpu-`). */
function wheelPrefix(requirement: string): string {
  const [name, version] = requirement.split('==');
  return `${(name ?? '').replace(/-/g, '_')}-${version ?? ''}`;
}

/** Finds the downloaded wheel for `requirement` in `dir`. */
export function findWheel(dir: string, requirement: string): string | undefined {
  const prefix = wheelPrefix(requirement).toLowerCase();
  const hit = readdirSync(dir).find((f) => f.toLowerCase().startsWith(prefix) && f.endsWith('.whl'));
  return hit === undefined ? undefined : join(dir, hit);
}

/** Downloads every requirement's Linux x86-64 wheel into `dir` (no dependencies) and returns their paths. */
export async function downloadWheels(opts: DownloadOptions): Promise<string[]> {
  mkdirSync(opts.dir, { recursive: true });
  const missing = opts.requirements.filter((r) => findWheel(opts.dir, r) === undefined);
  if (missing.length > 0) {
    opts.log?.(`downloading ${missing.join(', ')} with pip`);
    const args = ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--progress-bar', 'off',
      '--python-version', WHEEL_PYTHON_VERSION, ...WHEEL_PLATFORMS.flatMap((p) => ['--platform', p]),
      '-d', opts.dir, ...missing];
    const res = await runTool(pythonCommand(), args);
    if (res.code !== 0) {
      throw new NativeInstallError(
        `pip could not download ${missing.join(', ')} (exit ${res.code}); check that PyPI (or your pip ` +
          `index) is reachable and carries these versions for Linux x86-64.\n${res.tail.trim()}`,
      );
    }
  } else {
    opts.log?.(`wheels already downloaded in ${opts.dir}`);
  }
  return opts.requirements.map((r) => {
    const file = findWheel(opts.dir, r);
    if (file === undefined) throw new NativeInstallError(`pip reported success but no wheel for ${r} is in ${opts.dir}`);
    return file;
  });
}

/** One extraction rule: members matching `glob` (fnmatch, `*` spans folders) go to `dest`/<name minus `strip`>. */
export interface ExtractRule {
  glob: string;
  strip: string;
  dest: string;
}

const EXTRACT_PY = `
import fnmatch, json, os, shutil, sys, zipfile
wheel, rules = sys.argv[1], json.loads(sys.argv[2])
count = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.is_dir():
            continue
        for rule in rules:
            if fnmatch.fnmatchcase(info.filename, rule['glob']) and info.filename.startswith(rule['strip']):
                out = os.path.join(rule['dest'], info.filename[len(rule['strip']):])
                os.makedirs(os.path.dirname(out), exist_ok=True)
                with z.open(info) as src, open(out + '.part', 'wb') as dst:
                    shutil.copyfileobj(src, dst, 1 << 22)
                os.chmod(out + '.part', 0o755 if '.so' in out else 0o644)
                os.replace(out + '.part', out)
                count += 1
                break
print(count)
`;

/** Extracts the members of `wheel` that match `rules`; returns how many files were written. */
export async function extractWheel(wheel: string, rules: readonly ExtractRule[]): Promise<number> {
  const res = await runTool(pythonCommand(), ['-c', EXTRACT_PY, wheel, JSON.stringify(rules)]);
  if (res.code !== 0) {
    throw new NativeInstallError(`could not extract ${wheel} (exit ${res.code}); delete it to download it again.\n${res.tail.trim()}`);
  }
  return Number.parseInt(res.tail.trim().split('\n').pop() ?? '0', 10);
}

/** Rules that take TensorFlow's two shared libraries and the C API headers out of a tensorflow wheel. */
export function tensorflowRules(libDir: string, includeDir: string): ExtractRule[] {
  const inc = 'tensorflow/include/';
  const headers = ['tensorflow/c/*', 'tensorflow/core/platform/*', 'tsl/c/*', 'tsl/platform/*',
    'xla/tsl/c/*', 'xla/tsl/platform/*'];
  return [
    { glob: 'tensorflow/libtensorflow_cc.so.2', strip: 'tensorflow/', dest: libDir },
    { glob: 'tensorflow/libtensorflow_framework.so.2', strip: 'tensorflow/', dest: libDir },
    ...headers.map((h) => ({ glob: `${inc}${h}.h`, strip: inc, dest: includeDir })),
  ];
}

/** Rules that take the CUDA shared libraries of an nvidia-*-cu12 wheel into `<depsDir>/nvidia/<pkg>/lib`. */
export function cudaRules(depsDir: string): ExtractRule[] {
  return [{ glob: 'nvidia/*/lib/*.so*', strip: '', dest: depsDir }];
}
