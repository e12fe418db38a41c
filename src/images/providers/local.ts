import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import type { ImageJob } from '../validate.js';
import type { ProviderImage } from './types.js';

type Rgb = [number, number, number];

function colour(bytes: Buffer, at: number): Rgb {
  return [bytes[at], bytes[at + 1], bytes[at + 2]];
}

/**
 * An offline stand-in for an image model: a PNG drawn from a hash of the
 * prompt (a two-colour gradient with a few discs), the same bytes for the
 * same prompt, size and index every time.
 */
export function renderPromptPng(prompt: string, size: string, index: number): Buffer {
  const [width, height] = size.split('x').map(Number);
  const seed = createHash('sha256').update(`${index}\n${prompt}`).digest();
  const from = colour(seed, 0);
  const to = colour(seed, 3);
  const discs = [0, 1, 2].map((i) => ({
    x: (seed[6 + i * 4] / 255) * width,
    y: (seed[7 + i * 4] / 255) * height,
    r: ((seed[8 + i * 4] / 255) * 0.25 + 0.08) * Math.min(width, height),
    fill: colour(seed, 18 + i * 3),
  }));
  const png = new PNG({ width, height, colorType: 2 });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      let pixel: Rgb = [0, 1, 2].map((c) => Math.round(from[c] + (to[c] - from[c]) * t)) as Rgb;
      for (const disc of discs) {
        if ((x - disc.x) ** 2 + (y - disc.y) ** 2 <= disc.r ** 2) pixel = disc.fill;
      }
      const at = (y * width + x) * 4;
      png.data[at] = pixel[0];
      png.data[at + 1] = pixel[1];
      png.data[at + 2] = pixel[2];
      png.data[at + 3] = 255;
    }
  }
  return PNG.sync.write(png, { colorType: 2, deflateLevel: 6 });
}

export async function generateLocally(job: ImageJob): Promise<ProviderImage[]> {
  return Array.from({ length: job.n }, (_, index) => ({ bytes: renderPromptPng(job.prompt, job.size, index) }));
}
