import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { escapeXml } from '../src/genome/diagram-svg.ts';
import { genomeDiagrams, nasnetCellSvg, nb201CellSvg } from '../src/genome/diagram.ts';
import { applyLargeScaleMutation, initialLargeScale, mutateLargeScale } from '../src/genome/large-scale-mutate.ts';
import type { LargeScaleGenome } from '../src/genome/large-scale.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { loadSpace } from '../src/spaces/load.ts';

/**
 * A strict well-formedness check for the XML subset SVG writers emit: one root element, balanced and
 * properly nested tags, quoted attributes without raw '<' or '&', text without raw '<' and only the
 * five predefined entities.
 */
function checkWellFormed(xml: string): { elements: string[]; texts: string[] } {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const elements: string[] = [];
  const texts: string[] = [];
  let roots = 0;
  const entity = /&(?!(amp|lt|gt|quot|apos);)/;
  let i = 0;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const text = body.slice(i, lt < 0 ? body.length : lt);
    if (entity.test(text)) throw new Error(`bad entity in text ${JSON.stringify(text)}`);
    if (text.trim() !== '') {
      if (stack.length === 0) throw new Error(`text outside the root: ${JSON.stringify(text)}`);
      texts.push(text);
    }
    if (lt < 0) break;
    const gt = body.indexOf('>', lt);
    if (gt < 0) throw new Error('unterminated tag');
    const tag = body.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const m = /^([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*\/?$/.exec(tag);
    if (!m) throw new Error(`malformed tag <${tag}>`);
    if (stack.length === 0) roots++;
    elements.push(m[1]);
    if (!selfClosing) stack.push(m[1]);
  }
  if (stack.length > 0) throw new Error(`unclosed ${stack.join(', ')}`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return { elements, texts };
}

/** The text contents of an SVG's <text> elements, unescaped (tspans joined). */
function labels(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/g)].map((m) =>
    m[1].replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'),
  );
}

describe('SVG diagrams', () => {
  it('the well-formedness check itself rejects broken XML', () => {
    expect(() => checkWellFormed('<svg><g></svg>')).toThrow();
    expect(() => checkWellFormed('<svg><text>a < b</text></svg>')).toThrow();
    expect(() => checkWellFormed('<svg a=1/>')).toThrow();
    expect(() => checkWellFormed('<svg/><svg/>')).toThrow();
    expect(() => checkWellFormed('<svg><text>a &amp; b</text></svg>')).not.toThrow();
  });

  it('NASNet: normal and reduction cells, every op as a box, inputs, adds, concat and output', () => {
    const space = loadSpace('nasnet-cell');
    for (let seed = 1; seed <= 20; seed++) {
      const g = space.sample(Rng.seeded(seed)) as NasnetGenome;
      const files = genomeDiagrams(g);
      expect(Object.keys(files).sort()).toEqual(['normal.svg', 'reduction.svg']);
      for (const cell of ['normal', 'reduction'] as const) {
        const svg = files[`${cell}.svg`];
        const { elements } = checkWellFormed(svg);
        expect(elements[0]).toBe('svg');
        const text = labels(svg);
        const ops = g[cell].blocks.flatMap((b) => b.ops);
        for (const op of new Set(ops)) expect(text.filter((t) => t === op).length).toBe(ops.filter((o) => o === op).length);
        expect(text).toContain('hi-2');
        expect(text).toContain('hi-1');
        expect(text).toContain('hi');
        expect(text.filter((t) => t === '+').length).toBe(g[cell].blocks.length);
        expect(text.filter((t) => t === 'concat').length).toBe(1);
        // One arrow into each op, one out of each op, one per loose block into concat, one to the output.
        const used = new Set(g[cell].blocks.flatMap((b) => b.inputs.filter((i) => i >= 2)));
        const loose = g[cell].blocks.filter((_, b) => !used.has(b + 2)).length;
        expect((svg.match(/<path class="edge/g) ?? []).length).toBe(4 * g[cell].blocks.length + loose + 1);
      }
    }
  });

  it('NAS-Bench-201: four nodes, six labelled edges, none and dead edges dimmed', () => {
    // Edge 2->3 is live but node 2 gets nothing from the input: 1->2 and 0->2 are none, so 2->3 is dead.
    const g = nb201FromArch('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|');
    const svg = nb201CellSvg(g);
    checkWellFormed(svg);
    const text = labels(svg);
    for (const op of g.edges) expect(text).toContain(op);
    for (const n of ['0', '1', '2', '3']) expect(text).toContain(n);
    const dimmed = [...svg.matchAll(/<text x="[^"]*" y="[^"]*" class="dim">([^<]*)<\/text>/g)].map((m) => m[1]).sort();
    expect(dimmed).toEqual(['none', 'none', 'nor_conv_1x1']);
    expect((svg.match(/class="edge dim"/g) ?? []).length).toBe(3);
  });

  it('large-scale: every layer, every skip and the classifier', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rng = Rng.seeded(seed);
      let g: LargeScaleGenome = applyLargeScaleMutation(initialLargeScale(rng), 'insert-convolution', rng).genome;
      for (let i = 0; i < 30; i++) g = mutateLargeScale(g, rng).genome;
      const svg = genomeDiagrams(g)['network.svg'];
      checkWellFormed(svg);
      const text = labels(svg);
      for (const l of g.layers) expect(text.some((t) => t.startsWith(l.kind === 'conv' ? `conv_${l.id} ` : l.kind === 'bn-relu' ? `bn_${l.id} ` : `identity_${l.id}`))).toBe(true);
      for (const s of g.skips) expect(text).toContain(`skip_${s.id}`);
      expect(text).toEqual(expect.arrayContaining(['input', 'global avg pool', 'dense (logits)', 'softmax']));
    }
  });

  it('escapes text', () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
    const svg = nasnetCellSvg({ blocks: [{ inputs: [0, 1], ops: ['identity', 'identity'] }] }, 'a <title> & more');
    checkWellFormed(svg);
    expect(labels(svg)).toContain('a <title> & more');
  });
});
