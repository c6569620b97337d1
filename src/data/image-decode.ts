/**
 * Image decoding (PNG with pngjs, JPEG with jpeg-js) to RGB over black, and a bilinear resize.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { FileFormatError } from '../core/errors.ts';

/** A decoded image: `height * width * 3` RGB bytes, HWC. */
export interface RgbImage {
  height: number;
  width: number;
  rgb: Uint8Array;
}

/** File extensions the image-folder reader decodes (lower case). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** RGBA bytes to RGB, compositing transparent pixels over black. */
function rgbaToRgb(rgba: Uint8Array, count: number): Uint8Array {
  const rgb = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) {
    const a = rgba[i * 4 + 3];
    for (let c = 0; c < 3; c++) {
      const v = rgba[i * 4 + c];
      rgb[i * 3 + c] = a === 255 ? v : Math.round((v * a) / 255);
    }
  }
  return rgb;
}

/**
 * Decodes a PNG or JPEG file's bytes (chosen by the extension of `file`) to RGB. Grayscale and palette
 * images become three equal channels; alpha is composited over black.
 */
export function decodeImage(bytes: Uint8Array, file: string): RgbImage {
  const lower = file.toLowerCase();
  let width: number, height: number, rgba: Uint8Array;
  try {
    if (lower.endsWith('.png')) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = png.data;
    } else if (lower.endsWith('.jpg') || lower.endsWith('.jpeg')) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      ({ width, height } = img);
      rgba = img.data;
    } else {
      throw new FileFormatError(file, `unsupported image type; accepted: ${IMAGE_EXTENSIONS.join(', ')}`);
    }
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    throw new FileFormatError(file, `cannot decode the image (${(err as Error).message ?? String(err)}); expected a valid PNG or JPEG file`);
  }
  if (width <= 0 || height <= 0 || rgba.length < width * height * 4) {
    throw new FileFormatError(file, `decoded to ${width}x${height} with ${rgba.length} bytes; expected a non-empty image`);
  }
  return { height, width, rgb: rgbaToRgb(rgba, width * height) };
}

/**
 * Bilinear resize of an HWC byte image (pixel centres aligned as in `tf.image.resizeBilinear` with
 * `halfPixelCenters`). Returns the input unchanged when the size already matches.
 */
export function resizeBilinear(src: Uint8Array, height: number, width: number, channels: number,
  outHeight: number, outWidth: number): Uint8Array {
  if (height === outHeight && width === outWidth) return src;
  const out = new Uint8Array(outHeight * outWidth * channels);
  const sy = height / outHeight, sx = width / outWidth;
  for (let y = 0; y < outHeight; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, height - 1), wy = fy - y0;
    for (let x = 0; x < outWidth; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, width - 1), wx = fx - x0;
      const a = (y0 * width + x0) * channels, b = (y0 * width + x1) * channels;
      const c = (y1 * width + x0) * channels, d = (y1 * width + x1) * channels;
      const o = (y * outWidth + x) * channels;
      for (let k = 0; k < channels; k++) {
        const top = src[a + k] + (src[b + k] - src[a + k]) * wx;
        const bottom = src[c + k] + (src[d + k] - src[c + k]) * wx;
        out[o + k] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return out;
}

/** True when every pixel of an RGB image has R = G = B. */
export function isGray(rgb: Uint8Array): boolean {
  for (let i = 0; i < rgb.length; i += 3) {
    if (rgb[i] !== rgb[i + 1] || rgb[i] !== rgb[i + 2]) return false;
  }
  return true;
}

/** RGB to one channel: the red channel of gray images, ITU-R BT.601 luma otherwise. */
export function toGray(rgb: Uint8Array): Uint8Array {
  const n = rgb.length / 3;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rgb[i * 3], g = rgb[i * 3 + 1], b = rgb[i * 3 + 2];
    out[i] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return out;
}
