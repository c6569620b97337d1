/**
 * `nas backend install [--gpu]`: the native TensorFlow backend without tfjs-node's own download.
 *
 * 1. npm installs `@tensorflow/tfjs-node` (or `-gpu`) at the installed tfjs version with scripts ignored
 *    (its install script would fetch libtensorflow from a storage host instead of a registry);
 * 2. pip downloads the TensorFlow wheel (and for `--gpu` the CUDA wheels it pins) into .native/wheels;
 * 3. the libraries and C headers are extracted into .native/<package>/deps, linked under the names the
 *    binding expects, and the package's deps/ and lib/ become symlinks into .native/<package>;
 * 4. node-gyp builds the binding (into .native/<package>/lib) against the local Node.js headers, and
 *    nas's graph-session addon (graph/addon.ts) against the same TensorFlow;
 * 5. a fresh Node process loads it and trains two steps, another runs a graph through the addon;
 * 6. a stamp records the install.
 * When the stamp matches, a later run (after `npm ci` wiped node_modules, say) only reinstalls the npm
 * package, relinks and checks: seconds instead of a rebuild; it rebuilds the graph addon alone when its
 * sources changed since it was built (their hash is stamped beside it).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { buildBinding, linkLibraries, linkPackage, verifyBinding } from './binding.ts';
import { buildGraphAddon, graphAddonState, verifyGraphAddon } from './graph/addon.ts';
import type { InstallStamp, NativeLayout, NativeVariant } from './layout.ts';
import { CUDA_WHEELS_2_15, installedVersion, nativeLayout, nativePackageName, projectRoot, readStamp, TF_VERSION, wheelProject } from './layout.ts';
import { checkPip, NativeInstallError, runTool } from './tools.ts';
import { cudaRules, downloadWheels, extractWheel, tensorflowRules } from './wheel.ts';

/** Options of {@link installNativeBackend}. */
export interface InstallOptions {
  /** cpu (`@tensorflow/tfjs-node` + tensorflow-cpu) or gpu (`-gpu` + CUDA tensorflow). Default: cpu. */
  variant?: NativeVariant;
  /** TensorFlow version of the wheel. Default: {@link TF_VERSION}, the version checked end to end. */
  tfVersion?: string;
  /** Redo every step even when an install is in place. Default: false. */
  force?: boolean;
  /** Project root to install into. Default: this package's root. */
  root?: string;
  /** Progress lines. Default: written to stderr. */
  log?: (line: string) => void;
}

/** What an install did. */
export interface InstallReport {
  /** The layout installed into. */
  layout: NativeLayout;
  /** True when a working install was already in place and nothing was done. */
  skipped: boolean;
  /** TensorFlow version the binding reports. */
  tfVersion: string;
  /** Seconds per step (npm, pip, extract, build, verify), and in total. */
  seconds: Record<string, number>;
}

/** Installs (or confirms) the native backend; throws NativeInstallError with the failing step's reason. */
export async function installNativeBackend(opts: InstallOptions = {}): Promise<InstallReport> {
  const variant = opts.variant ?? 'cpu';
  const tfVersion = opts.tfVersion ?? TF_VERSION;
  const log = opts.log ?? ((line: string) => process.stderr.write(`nas backend: ${line}\n`));
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new NativeInstallError(`the native backend is built from TensorFlow's Linux x86-64 wheels; this is ${process.platform}-${process.arch}`);
  }
  const root = opts.root ?? projectRoot();
  const layout = nativeLayout(variant, root);
  const tfjsVersion = installedVersion(root, '@tensorflow/tfjs');
  if (tfjsVersion === undefined) {
    throw new NativeInstallError(`@tensorflow/tfjs is not installed under ${root}; run \`npm ci\` first`);
  }
  const seconds: Record<string, number> = {};
  const t0 = performance.now();
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const out = await fn();
    seconds[name] = (performance.now() - start) / 1000;
    return out;
  };
  const stamp = readStamp(layout);
  if (!opts.force && stamp?.tfVersion === tfVersion && stamp.packageVersion === tfjsVersion && existsSync(layout.bindingFile)) {
    await step('npm', () => ensurePackage(layout, tfjsVersion, log));
    relinkAll(root, log);
    try {
      const addon = graphAddonState(layout);
      if (!addon.current) {
        log(`nas's graph addon is ${addon.reason}; building it`);
        await step('addon', () => buildGraphAddon(layout, log));
      }
      await step('verify-addon', () => verifyGraphAddon(layout));
      const check = await step('verify', () => verifyBinding(layout));
      log(`${layout.packageName} ${tfjsVersion} on TensorFlow ${check.tfVersion} (built ${stamp.installedAt}) loads and trains; nothing to rebuild`);
      seconds.total = (performance.now() - t0) / 1000;
      return { layout, skipped: true, tfVersion: check.tfVersion, seconds };
    } catch (err) {
      log(`the earlier build in ${layout.nativeDir} does not work (${(err as Error).message.split('\n')[0]}); building again`);
    }
  }
  log(`python: ${checkPip()}`);
  await step('npm', () => ensurePackage(layout, tfjsVersion, log));
  const requirements = [`${wheelProject(variant)}==${tfVersion}`, ...(variant === 'gpu' ? cudaWheels(tfVersion) : [])];
  const wheels = await step('pip', () => downloadWheels({ requirements, dir: layout.wheelDir, log }));
  await step('extract', () => extractAll(layout, wheels, log));
  relinkAll(root, log);
  await step('build', () => buildBinding(layout, log));
  await step('addon', () => buildGraphAddon(layout, log));
  const check = await step('verify', () => verifyBinding(layout));
  const addonVersion = await step('verify-addon', () => verifyGraphAddon(layout));
  log(`nas's graph addon runs graphs on TensorFlow ${addonVersion}`);
  log(`${layout.packageName} loads TensorFlow ${check.tfVersion} and trains (loss ${check.loss.toFixed(4)})`);
  writeStamp(layout, { variant, tfVersion, packageVersion: tfjsVersion, node: process.versions.node,
    napi: Number(process.versions.napi), wheels: wheels.map((w) => basename(w)), installedAt: new Date().toISOString() });
  seconds.total = (performance.now() - t0) / 1000;
  log(`done in ${seconds.total.toFixed(1)} s (${Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')})`);
  return { layout, skipped: false, tfVersion: check.tfVersion, seconds };
}

/** Links every native package present in node_modules to its build in .native (npm may have replaced it). */
function relinkAll(root: string, log: (line: string) => void): void {
  for (const v of ['cpu', 'gpu'] as const) {
    const other = nativeLayout(v, root);
    if (!existsSync(other.packageDir) || !existsSync(other.nativeDir)) continue;
    if (linkPackage(other)) log(`linked ${other.packageName}'s deps/ and lib/ to ${other.nativeDir}`);
  }
}

function cudaWheels(tfVersion: string): readonly string[] {
  if (!tfVersion.startsWith('2.15.')) {
    throw new NativeInstallError(`--gpu knows the CUDA wheels of TensorFlow 2.15 only (asked for ${tfVersion})`);
  }
  return CUDA_WHEELS_2_15;
}

/** npm-installs the package at `version` with its install script ignored, unless it is already there. */
async function ensurePackage(layout: NativeLayout, version: string, log: (line: string) => void): Promise<void> {
  if (installedVersion(layout.root, layout.packageName) === version) {
    log(`${layout.packageName}@${version} already in node_modules`);
    return;
  }
  log(`installing ${layout.packageName}@${version} from npm (install script ignored)`);
  // Packages installed with --no-save are extraneous to npm: name the other native package too, if
  // present, or npm would prune it (its build in .native survives either way and is linked again).
  const keep = (['cpu', 'gpu'] as const).map(nativePackageName)
    .filter((p) => p !== layout.packageName && installedVersion(layout.root, p) !== undefined)
    .map((p) => `${p}@${installedVersion(layout.root, p) ?? ''}`);
  const res = await runTool('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund',
    `${layout.packageName}@${version}`, ...keep], { cwd: layout.root });
  if (res.code !== 0) {
    throw new NativeInstallError(`npm could not install ${layout.packageName}@${version} (exit ${res.code}).\n${res.tail.trim()}`);
  }
}

/** Replaces deps/ with the wheels' libraries and headers, and links the names the binding expects. */
async function extractAll(layout: NativeLayout, wheels: readonly string[], log: (line: string) => void): Promise<void> {
  rmSync(layout.stampFile, { force: true });
  rmSync(layout.depsDir, { recursive: true, force: true });
  rmSync(layout.bindingDir, { recursive: true, force: true });
  mkdirSync(layout.libDir, { recursive: true });
  mkdirSync(layout.includeDir, { recursive: true });
  for (const wheel of wheels) {
    const isTf = basename(wheel).startsWith('tensorflow');
    log(`extracting ${basename(wheel)}`);
    const n = await extractWheel(wheel, isTf ? tensorflowRules(layout.libDir, layout.includeDir) : cudaRules(layout.depsDir));
    if (n === 0) throw new NativeInstallError(`${basename(wheel)} holds none of the expected libraries`);
  }
  linkLibraries(layout);
}

function writeStamp(layout: NativeLayout, stamp: InstallStamp): void {
  const tmp = `${layout.stampFile}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(stamp, null, 2)}\n`);
  renameSync(tmp, layout.stampFile);
}

