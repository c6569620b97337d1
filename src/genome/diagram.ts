/**
 * Architecture diagrams as SVG: the DOT text of diagram-dot.ts laid out and drawn by Graphviz's `dot`
 * (compiled to WebAssembly, bundled with @hpcc-js/wasm-graphviz, so it works offline). Export, the
 * report and the dashboard all draw genomes through `genomeDiagrams`, so they show the same pictures.
 *
 * Graphviz's WebAssembly module loads once per process (asynchronously); after that a layout takes
 * about a millisecond.
 */
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { largeScaleDot, nasnetCellDot, nb201CellDot } from './diagram-dot.ts';
import type { LargeScaleGenome } from './large-scale.ts';
import type { CellGenome, NasnetCell, Nb201Genome } from './types.ts';

let graphviz: Promise<Graphviz> | undefined;

/** Lays out a DOT graph with `dot` and returns the SVG document Graphviz draws (without its DOCTYPE and comments). */
export async function renderDot(dot: string): Promise<string> {
  graphviz ??= Graphviz.load();
  const svg = (await graphviz).dot(dot, 'svg');
  return svg.replace(/<!DOCTYPE[^>]*>\s*/, '').replace(/<!--[\s\S]*?-->\s*/g, '');
}

/** A NASNet cell (normal or reduction) as an SVG document. */
export function nasnetCellSvg(cell: NasnetCell, title: string): Promise<string> {
  return renderDot(nasnetCellDot(cell, title));
}

/** A NAS-Bench-201 cell as an SVG document; `none` and dead edges are dashed and grey. */
export function nb201CellSvg(genome: Nb201Genome, title = 'NAS-Bench-201 cell'): Promise<string> {
  return renderDot(nb201CellDot(genome, title));
}

/** A large-scale-evolution network as an SVG document. */
export function largeScaleSvg(genome: LargeScaleGenome, title = 'large-scale evolution network'): Promise<string> {
  return renderDot(largeScaleDot(genome, title));
}

/** The diagrams of a genome, by file name: NASNet normal.svg + reduction.svg; NAS-Bench-201 cell.svg; large-scale network.svg. */
export async function genomeDiagrams(genome: CellGenome | LargeScaleGenome): Promise<Record<string, string>> {
  switch (genome.kind) {
    case 'nasnet':
      return { 'normal.svg': await nasnetCellSvg(genome.normal, 'normal cell'), 'reduction.svg': await nasnetCellSvg(genome.reduction, 'reduction cell') };
    case 'nb201':
      return { 'cell.svg': await nb201CellSvg(genome) };
    case 'large-scale':
      return { 'network.svg': await largeScaleSvg(genome) };
  }
}
