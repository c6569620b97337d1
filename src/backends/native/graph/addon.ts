/**
 * nas's graph-session addon (addon/graph_session.cc): a small N-API module over TensorFlow's C API,
 * built by `nas backend install` with node-gyp against the same TensorFlow headers and libraries as
 * tfjs-node's binding, in a copy of the sources under .native/<package>/nas-graph/, beside the hash of the
 * sources it was built from (an install rebuilds it when they change). It runs a GraphDef
 * in a TensorFlow session created with a ConfigProto of our choosing (see session.ts), which tfjs-node's
 * SavedModel loader does not allow. Both modules load one libtensorflow, so they share its devices,
 * thread pools and oneDNN state.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeLayout } from '../layout.ts';
import { nativeLayout } from '../layout.ts';
import { loadedNative } from '../status.ts';
import { checkCompiler, NativeInstallError, nodeGypCommand, nodeHeadersDir, runTool, unresolvedLibraries } from '../tools.ts';
import { attr, GraphDefBuilder } from './graph-def.ts';
import { sessionConfigBytes } from './config.ts';

/** A tensor crossing the addon: float32 or int32 values and their shape. */
export interface AddonTensor {
  data: Float32Array | Int32Array;
  shape: number[];
}

/** The addon's functions. */
export interface GraphAddon {
  open(graphDef: Uint8Array, config: Uint8Array): number;
  run(id: number, feeds: Array<[string, Float32Array | Int32Array, number[]]>, fetches: string[], targets: string[]): AddonTensor[];
  close(id: number): void;
  count(): number;
  version(): string;
}

const SOURCES = ['graph_session.cc', 'binding.gyp'];
const SOURCE_DIR = fileURLToPath(new URL('./addon/', import.meta.url));

/** Where a variant's addon is built. */
export function addonDir(layout: NativeLayout): string {
  return join(layout.nativeDir, 'nas-graph');
}

/** The built addon file of a variant. */
export function addonFile(layout: NativeLayout): string {
  return join(addonDir(layout), 'build', 'Release', 'nas_graph.node');
}

/** The SHA-256 of the addon's sources as this checkout holds them (file names and contents). */
export function addonSourcesHash(): string {
  const hash = createHash('sha256');
  for (const file of SOURCES) hash.update(`${file}\0`).update(readFileSync(join(SOURCE_DIR, file))).update('\0');
  return hash.digest('hex');
}

/** The file recording the hash of the sources a variant's addon was built from. */
function sourcesStamp(dir: string): string {
  return join(dir, 'sources.sha256');
}

/** Whether `layout`'s addon is built, from the sources this checkout holds; if not, why. */
export function graphAddonState(layout: NativeLayout): { current: true } | { current: false; reason: string } {
  if (!existsSync(addonFile(layout))) return { current: false, reason: 'not built' };
  const stamp = sourcesStamp(addonDir(layout));
  const built = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  return built === addonSourcesHash() ? { current: true } : { current: false, reason: 'built from other sources than these' };
}

/**
 * Builds the addon for `layout` (its deps/ must hold the TensorFlow headers and libraries) in a folder
 * beside its place, which it then takes (a failed build leaves the addon in place as it was), and
 * records the hash of its sources; throws NativeInstallError.
 */
export async function buildGraphAddon(layout: NativeLayout, log: (line: string) => void): Promise<void> {
  checkCompiler();
  const dir = addonDir(layout);
  const work = `${dir}.build`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const hash = addonSourcesHash();
  for (const file of SOURCES) copyFileSync(join(SOURCE_DIR, file), join(work, file));
  const gyp = nodeGypCommand();
  log(`building nas's graph-session addon with node-gyp (TensorFlow C API in ${layout.depsDir})`);
  const res = await runTool(gyp.cmd, [...gyp.args, 'rebuild', `--nodedir=${nodeHeadersDir()}`, `--tf_deps=${layout.depsDir}`, '-j', 'max'], { cwd: work });
  const file = join(work, 'build', 'Release', 'nas_graph.node');
  if (res.code !== 0 || !existsSync(file)) throw new NativeInstallError(`node-gyp could not build nas's graph addon (exit ${res.code}).\n${res.tail.trim()}`);
  const missing = unresolvedLibraries(file);
  if (missing.length > 0) throw new NativeInstallError(`the built graph addon ${file} cannot resolve ${missing.join(', ')} (ldd)`);
  writeFileSync(sourcesStamp(work), `${hash}\n`);
  // Two renames, so the addon's place is empty only between them (a process loading it then sees none).
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(work, dir);
  rmSync(old, { recursive: true, force: true });
}

const VERIFY_JS = `
require(process.argv[1]);
const addon = require(process.argv[2]);
const [graph, config] = [process.argv[3], process.argv[4]].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
const id = addon.open(graph, config);
const [out] = addon.run(id, [['x', Float32Array.of(1, 2), [2]]], ['y'], []);
addon.close(id);
process.stdout.write('NAS_GRAPH ' + JSON.stringify({ version: addon.version(), y: Array.from(out.data), open: addon.count() }) + '\\n');
`;

/**
 * Loads the addon next to tfjs-node in a fresh Node process and runs a two-node graph (y = x + x);
 * returns TensorFlow's version. Throws NativeInstallError when it does not load or computes wrongly.
 */
export async function verifyGraphAddon(layout: NativeLayout): Promise<string> {
  const g = new GraphDefBuilder();
  const x = g.add('x', 'Placeholder', { attrs: { dtype: attr.type('float32'), shape: attr.shape([2]) } });
  g.add('y', 'AddV2', { inputs: [x, x], attrs: { T: attr.type('float32') } });
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  const res = await runTool(process.execPath, ['-e', VERIFY_JS, layout.packageName, addonFile(layout), hex(g.toGraphDef()), hex(sessionConfigBytes())],
    { cwd: layout.root, env: { TF_CPP_MIN_LOG_LEVEL: '2' } });
  const line = res.tail.split('\n').find((l) => l.startsWith('NAS_GRAPH '));
  const out = line === undefined ? undefined : (JSON.parse(line.slice('NAS_GRAPH '.length)) as { version: string; y: number[]; open: number });
  if (res.code !== 0 || out === undefined || out.y.join(',') !== '2,4' || out.open !== 0) {
    throw new NativeInstallError(`nas's graph addon ${addonFile(layout)} does not run graphs (exit ${res.code}).\n${res.tail.trim()}`);
  }
  return out.version;
}

let loaded: { file: string; addon: GraphAddon } | undefined;

/**
 * The addon of the native package loaded in this process, or why there is none: not on native TensorFlow,
 * or not built (`nas backend install` builds it).
 */
export function graphAddon(): { addon: GraphAddon } | { addon?: undefined; reason: string } {
  const runtime = loadedNative();
  if (runtime === undefined) return { reason: 'native TensorFlow is not loaded' };
  const file = addonFile(nativeLayout(runtime.variant));
  if (loaded?.file === file) return { addon: loaded.addon };
  if (!existsSync(file)) return { reason: `nas's graph addon is not built (${file} is missing; run \`nas backend install\`)` };
  try {
    loaded = { file, addon: createRequire(import.meta.url)(file) as GraphAddon };
    return { addon: loaded.addon };
  } catch (err) {
    return { reason: `nas's graph addon does not load (${(err as Error).message.split('\n')[0]}); run \`nas backend install --force\`` };
  }
}
