/**
 * Self-contained SVG heatmaps (layer x head grids of agreement, correlation, probe accuracy; or
 * the attention map), drawn from the data with core's XML escaping.
 */

import { escapeXml, OptionError, ShapeError } from '@iclkr/core';

/** What `heatmapSvg` draws. */
export interface HeatmapOptions {
  readonly title: string;
  /** Colour scale ends; default the finite data's extent. Values outside are clamped. */
  readonly min?: number;
  readonly max?: number;
  /** Axis names (default `layer` for rows, `head` for columns). */
  readonly rowLabel?: string;
  readonly colLabel?: string;
  /** Tick names per row / column (default their indices). */
  readonly rowNames?: readonly string[];
  readonly colNames?: readonly string[];
}

/** Viridis at 9 evenly spaced stops: perceptually uniform and readable in grey. */
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

function hexToRgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** The viridis colour of t in [0, 1] (clamped), interpolated between stops. */
export function viridis(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(u), VIRIDIS.length - 2);
  const a = hexToRgb(VIRIDIS[i]);
  const b = hexToRgb(VIRIDIS[i + 1]);
  const f = u - i;
  return `#${a.map((v, k) => Math.round(v + (b[k] - v) * f).toString(16).padStart(2, '0')).join('')}`;
}

/** A number with 3 significant digits and no `-0`. */
function label(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2);
  const s = Number(v.toPrecision(3));
  return String(s === 0 ? 0 : s);
}

const num = (v: number) => String(Math.round(v * 100) / 100);

/**
 * An SVG heatmap of `values` (rows x columns, e.g. layer x head): one rect per cell with a
 * tooltip, thinned tick labels, axis names, a title and a viridis colour bar; NaN cells are grey.
 */
export function heatmapSvg(values: readonly (readonly number[])[], options: HeatmapOptions): string {
  const rows = values.length;
  const cols = rows === 0 ? 0 : values[0].length;
  if (rows === 0 || cols === 0) throw new ShapeError('heatmap has no cells', 'pass at least one row and one column');
  values.forEach((r, i) => {
    if (r.length !== cols) throw new ShapeError(`heatmap row ${i} has ${r.length} values, row 0 has ${cols}`, 'pass a rectangular grid');
  });
  const finite = values.flat().filter(Number.isFinite);
  let lo = options.min ?? (finite.length ? Math.min(...finite) : 0);
  let hi = options.max ?? (finite.length ? Math.max(...finite) : 1);
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) {
    throw new OptionError(`heatmap range [${lo}, ${hi}] is not an increasing pair of finite numbers`, 'pass min <= max');
  }
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const rowNames = options.rowNames ?? values.map((_, i) => String(i));
  const colNames = options.colNames ?? values[0].map((_, j) => String(j));
  if (rowNames.length !== rows || colNames.length !== cols) {
    throw new ShapeError(`${rowNames.length} row names / ${colNames.length} column names for a ${rows} x ${cols} grid`, 'give one name per row and column');
  }

  const cw = Math.min(40, Math.max(1, 560 / cols));
  const ch = Math.min(28, Math.max(2, 420 / rows));
  const left = 64;
  const top = 44;
  const gridW = cw * cols;
  const gridH = ch * rows;
  const barX = left + gridW + 24;
  // Wide enough for the title (bold 14 px, about 8 px a character) however small the grid.
  const width = Math.ceil(Math.max(barX + 16 + 64, options.title.length * 8 + 24));
  const height = Math.ceil(top + gridH + 52);
  const rowLabel = options.rowLabel ?? 'layer';
  const colLabel = options.colLabel ?? 'head';
  // FNV-1a of the title: gradient ids stay distinct between heatmaps on one page.
  let hash = 0x811c9dc5;
  for (let i = 0; i < options.title.length; i++) hash = Math.imul(hash ^ options.title.charCodeAt(i), 0x01000193) >>> 0;
  const id = `viridis-${hash.toString(16).padStart(8, '0')}`;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" role="img">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${num(width / 2)}" y="24" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = values[i][j];
      const fill = Number.isFinite(v) ? viridis((v - lo) / (hi - lo)) : '#d9d9d9';
      const tip = `${rowLabel} ${rowNames[i]}, ${colLabel} ${colNames[j]}: ${label(v)}`;
      out.push(
        `<rect class="cell" x="${num(left + j * cw)}" y="${num(top + i * ch)}" width="${num(cw)}" height="${num(ch)}" fill="${fill}"><title>${escapeXml(tip)}</title></rect>`,
      );
    }
  }
  const rowEvery = Math.ceil(rows / Math.max(1, Math.floor(gridH / 12)));
  for (let i = 0; i < rows; i += rowEvery) {
    out.push(`<text class="row-tick" x="${left - 6}" y="${num(top + (i + 0.5) * ch)}" text-anchor="end" dominant-baseline="middle" font-size="10">${escapeXml(rowNames[i])}</text>`);
  }
  const colEvery = Math.ceil(cols / Math.max(1, Math.floor(gridW / 32)));
  for (let j = 0; j < cols; j += colEvery) {
    out.push(`<text class="col-tick" x="${num(left + (j + 0.5) * cw)}" y="${num(top + gridH + 14)}" text-anchor="middle" font-size="10">${escapeXml(colNames[j])}</text>`);
  }
  out.push(
    `<rect x="${left}" y="${top}" width="${num(gridW)}" height="${num(gridH)}" fill="none" stroke="#333333"/>`,
    `<text x="${num(left + gridW / 2)}" y="${num(top + gridH + 38)}" text-anchor="middle" font-size="12">${escapeXml(colLabel)}</text>`,
    `<text x="18" y="${num(top + gridH / 2)}" text-anchor="middle" font-size="12" transform="rotate(-90 18 ${num(top + gridH / 2)})">${escapeXml(rowLabel)}</text>`,
    `<defs><linearGradient id="${id}" x1="0" y1="1" x2="0" y2="0">`,
    ...VIRIDIS.map((c, k) => `<stop offset="${num(k / (VIRIDIS.length - 1))}" stop-color="${c}"/>`),
    '</linearGradient></defs>',
    `<rect class="colour-bar" x="${num(barX)}" y="${top}" width="16" height="${num(gridH)}" fill="url(#${id})" stroke="#333333"/>`,
    `<text class="bar-tick" x="${num(barX + 20)}" y="${top + 4}" font-size="10">${escapeXml(label(hi))}</text>`,
    `<text class="bar-tick" x="${num(barX + 20)}" y="${num(top + gridH / 2 + 4)}" font-size="10">${escapeXml(label((lo + hi) / 2))}</text>`,
    `<text class="bar-tick" x="${num(barX + 20)}" y="${num(top + gridH)}" font-size="10">${escapeXml(label(lo))}</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
