/**
 * Reader for an image folder: `root/<class>/*.png|jpg|jpeg`, classes sorted by name. When `root` holds
 * only `train/` (and optionally `test/`) directories, those are the training and test sets, each laid
 * out as `<split>/<class>/*`, with the classes taken from `train/`.
 */
import { extname, join } from 'node:path';
import { FileFormatError, ValidationError } from '../core/errors.ts';
import type { TrainTestSets } from './cifar.ts';
import { listDirectory, readBytes } from './files.ts';
import { decodeImage, IMAGE_EXTENSIONS, isGray, resizeBilinear, toGray } from './image-decode.ts';
import { labelArray, makeImageSet } from './image-set.ts';
import type { ImageSet } from './types.ts';

/** Options of the image-folder reader. */
export interface ImageFolderOptions {
  /**
   * Resize every image to `[height, width]` (bilinear). Default: no resizing; every image must have the
   * size of the first training image.
   */
  size?: [number, number];
  /**
   * Channels of the result: 1, 3, or `auto` (1 when every image is gray, R = G = B everywhere, else 3).
   * Default `auto`.
   */
  channels?: 1 | 3 | 'auto';
  /**
   * Read at most this many training images, chosen evenly spaced over the sorted file list so that every
   * class keeps its share. Default: all.
   */
  limit?: number;
  /** Also read `test/` when the folder is split into `train/` and `test/`. Default true. */
  includeTest?: boolean;
}

/** One image file and its class index. */
interface LabelledFile {
  file: string;
  label: number;
}

/** Class subdirectories of `dir`, sorted by name. */
async function classDirs(dir: string): Promise<string[]> {
  const entries = await listDirectory(dir, 'image folder');
  const classes = entries.filter((e) => e.isDirectory && !e.name.startsWith('.')).map((e) => e.name);
  if (classes.length === 0) {
    throw new FileFormatError(dir, 'no class subdirectories; expected <dir>/<class>/*.png|jpg|jpeg');
  }
  return classes;
}

/** The image files of each class directory of `dir`, labelled by the index of their class in `classes`. */
async function listImages(dir: string, classes: string[], present: string[]): Promise<LabelledFile[]> {
  const files: LabelledFile[] = [];
  for (const name of present) {
    const label = classes.indexOf(name);
    if (label < 0) {
      throw new ValidationError(`class '${name}' does not occur in the training folder`, { file: join(dir, name) },
        classes.join(', '));
    }
    const entries = await listDirectory(join(dir, name), 'class directory');
    const images = entries.filter((e) => e.isFile && !e.name.startsWith('.') &&
      IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()));
    if (images.length === 0) {
      throw new FileFormatError(join(dir, name), `no images in class directory; expected files ending in ${IMAGE_EXTENSIONS.join(', ')}`);
    }
    for (const e of images) files.push({ file: join(dir, name, e.name), label });
  }
  return files;
}

/** `limit` items spread evenly over `items` (all of them when `limit` is undefined or large). */
function evenlySpaced<T>(items: T[], limit: number | undefined): T[] {
  if (limit === undefined || limit >= items.length) return items;
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]);
}

/**
 * Decodes `files` to RGB at one size: `size` if given (resizing each image when `resize`, else requiring it),
 * otherwise the first image's size, which every other image must have.
 */
async function decodeAll(files: LabelledFile[], size: [number, number] | undefined, resize: boolean):
  Promise<{ rgb: Uint8Array; height: number; width: number; gray: boolean }> {
  let target = size;
  let rgb: Uint8Array | undefined;
  let gray = true;
  let reference = 'the training images';
  for (let i = 0; i < files.length; i++) {
    const { file } = files[i];
    const img = decodeImage(await readBytes(file, 'image'), file);
    if (target === undefined) {
      target = [img.height, img.width];
      reference = file;
    } else if (!resize && (img.height !== target[0] || img.width !== target[1])) {
      throw new FileFormatError(file, `image is ${img.height}x${img.width} (height x width); expected ` +
        `${target[0]}x${target[1]} like ${reference}, or give a size to resize every image to`);
    }
    const pixels = resizeBilinear(img.rgb, img.height, img.width, 3, target[0], target[1]);
    rgb ??= new Uint8Array(files.length * pixels.length);
    gray &&= isGray(pixels);
    rgb.set(pixels, i * pixels.length);
  }
  if (target === undefined || rgb === undefined) throw new RangeError('decodeAll needs at least one file');
  return { rgb, height: target[0], width: target[1], gray };
}

/** Reads the labelled files of one split into an ImageSet. */
async function readSplit(files: LabelledFile[], classes: string[], size: [number, number] | undefined,
  resize: boolean, channels: 1 | 3 | 'auto'): Promise<ImageSet & { gray: boolean }> {
  const { rgb, height, width, gray } = await decodeAll(files, size, resize);
  const ch = channels === 'auto' ? (gray ? 1 : 3) : channels;
  const labels = labelArray(files.length, classes.length);
  files.forEach((f, i) => { labels[i] = f.label; });
  const set = makeImageSet({ height, width, channels: ch, numClasses: classes.length, classNames: classes,
    pixels: ch === 1 ? toGray(rgb) : rgb, labels });
  return { ...set, gray };
}

/** Validates the options that have no natural error elsewhere. */
function checkOptions(options: ImageFolderOptions): void {
  const { size, channels } = options;
  if (size !== undefined && !(size.length === 2 && size.every((v) => Number.isInteger(v) && v > 0))) {
    throw new ValidationError(`image size ${JSON.stringify(size)}`, { field: 'size' }, '[height, width], positive integers');
  }
  if (channels !== undefined && channels !== 1 && channels !== 3 && channels !== 'auto') {
    throw new ValidationError(`channels ${String(channels)}`, { field: 'channels' }, '1, 3, auto');
  }
}

/** Reads an image folder (see the module comment for the layouts). */
export async function readImageFolder(root: string, options: ImageFolderOptions = {}): Promise<TrainTestSets> {
  checkOptions(options);
  const top = await classDirs(root);
  const split = top.includes('train') && top.every((d) => d === 'train' || d === 'test');
  const trainDir = split ? join(root, 'train') : root;
  const classes = await classDirs(trainDir);
  const trainFiles = evenlySpaced(await listImages(trainDir, classes, classes), options.limit);
  const channels = options.channels ?? 'auto';
  const resize = options.size !== undefined;
  const train = await readSplit(trainFiles, classes, options.size, resize, channels);
  const testDir = join(root, 'test');
  if (!split || !top.includes('test') || options.includeTest === false) {
    return { train: stripGray(train), trainFiles: [trainDir] };
  }
  const testFiles = await listImages(testDir, classes, await classDirs(testDir));
  const test = await readSplit(testFiles, classes, [train.height, train.width], resize, train.channels === 1 ? 1 : 3);
  return { train: stripGray(train), test: stripGray(test), trainFiles: [trainDir], testFile: testDir };
}

function stripGray(set: ImageSet & { gray: boolean }): ImageSet {
  const { gray: _gray, ...rest } = set;
  return rest;
}
