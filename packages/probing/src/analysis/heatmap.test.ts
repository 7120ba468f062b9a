import { OptionError, ShapeError } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { heatmapSvg, viridis } from './heatmap.js';

const count = (svg: string, needle: string) => svg.split(needle).length - 1;

describe('heatmapSvg', () => {
  const grid = [
    [0, 0.5, 1],
    [Number.NaN, 0.25, 0.75],
  ];

  it('draws one cell per value with a tooltip, ticks, axis names and a colour bar', () => {
    const svg = heatmapSvg(grid, { title: 'Agreement <by head>', min: 0, max: 1 });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(count(svg, 'class="cell"')).toBe(6);
    expect(svg).toContain('<title>Agreement &lt;by head&gt;</title>');
    expect(svg).toContain('<title>layer 0, head 1: 0.5</title>');
    expect(svg).toContain('<title>layer 1, head 0: NaN</title>');
    expect(svg).toContain('fill="#d9d9d9"');
    expect(svg).toContain(`fill="${viridis(1)}"`);
    expect(count(svg, 'class="row-tick"')).toBe(2);
    expect(count(svg, 'class="col-tick"')).toBe(3);
    expect(svg).toContain('class="colour-bar"');
    expect(svg).not.toContain('undefined');
  });

  it('maps the scale ends to the viridis ends and clamps outside values', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(2)).toBe('#fde725');
    const svg = heatmapSvg([[0, 10]], { title: 't', min: 0, max: 5 });
    expect(svg).toContain('fill="#fde725"><title>layer 0, head 1: 10</title>');
  });

  it('takes custom axis names and thins ticks on wide grids', () => {
    const wide = [Array.from({ length: 400 }, (_, j) => j)];
    const svg = heatmapSvg(wide, { title: 'map', rowLabel: 'head', colLabel: 'position', colNames: wide[0].map((j) => `p${j}`) });
    expect(count(svg, 'class="cell"')).toBe(400);
    expect(count(svg, 'class="col-tick"')).toBeLessThan(40);
    expect(svg).toContain('head 0, position p7: 7');
  });

  it('is wide enough for a long title over a small grid', () => {
    const title = 'Attention vote (a_i over [x_i, y_i]): agreement with the model';
    const width = Number(/width="(\d+)"/.exec(heatmapSvg([[0.1, 0.2]], { title }))![1]);
    expect(width).toBeGreaterThanOrEqual(title.length * 8);
  });

  it('rejects ragged or empty grids, bad ranges and wrong name counts', () => {
    expect(() => heatmapSvg([[1, 2], [3]], { title: 't' })).toThrow(ShapeError);
    expect(() => heatmapSvg([], { title: 't' })).toThrow(ShapeError);
    expect(() => heatmapSvg(grid, { title: 't', min: 1, max: 0 })).toThrow(OptionError);
    expect(() => heatmapSvg(grid, { title: 't', rowNames: ['a'] })).toThrow(ShapeError);
  });
});
