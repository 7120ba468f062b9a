/**
 * The attention knock-out pair of the ablation experiment, per prompt: the positions whose
 * attention is removed outright (the kernel view's carriers of the vote), and the control that
 * removes the same mass elsewhere as keep factors per key.
 */
import type { ProbePrompt } from '@iclkr/probing';

/** One prompt's knock-out pair: key positions knocked out, and the control's factor per key position with the mass it removes. */
export interface KnockoutPair {
  readonly keys: readonly number[];
  readonly removed: number;
  readonly controlKeep: Float32Array;
  readonly controlRemoved: number;
}

/** The knock-out targets: same-class against other-class in task worlds, most- against least-attended on text. */
export const KNOCKOUT_TARGETS = { world: ['same-class', 'other-class'], text: ['most-attended', 'least-attended'] } as const;

/** Each demonstration's key positions (every segment of its line), in demonstration order. */
function demonstrationPositions(p: ProbePrompt): number[][] {
  const lines: number[][] = p.labels.map(() => []);
  for (const s of p.spans.segments) {
    if (s.kind === 'query' || s.line >= lines.length) continue;
    for (let pos = s.start; pos < s.end; pos++) lines[s.line]!.push(pos);
  }
  return lines;
}

const massOf = (row: Float32Array, keys: readonly number[]) => keys.reduce((s, k) => s + row[k]!, 0);

/** A task-world prompt: the demonstrations of x_test's class knocked out; the control takes the same mass from the others in proportion to their attention (all of it where they hold less). */
export function classPair(p: ProbePrompt, row: Float32Array): KnockoutPair {
  const lines = demonstrationPositions(p);
  const keys = lines.filter((_, i) => p.classes![i] === p.queryClass).flat();
  const other = lines.filter((_, i) => p.classes![i] !== p.queryClass).flat();
  const removed = massOf(row, keys);
  const otherMass = massOf(row, other);
  const fraction = otherMass > 0 ? Math.min(1, removed / otherMass) : 0;
  const controlKeep = new Float32Array(row.length).fill(1);
  for (const k of other) controlKeep[k] = 1 - fraction;
  return { keys, removed, controlKeep, controlRemoved: fraction * otherMass };
}

/** How many demonstrations the text knock-out removes: a quarter of n, at least one. */
export function mostAttendedCount(shots: number): number {
  return Math.max(1, Math.ceil(shots / 4));
}

/**
 * A text prompt: the ceil(n / 4) demonstrations the head attends to most knocked out; the control
 * takes the same mass from the least-attended of the others, the least first (each removed whole
 * until the last, which is scaled; all of them where they hold less).
 */
export function attendedPair(p: ProbePrompt, row: Float32Array): KnockoutPair {
  const lines = demonstrationPositions(p).map((keys) => ({ keys, mass: massOf(row, keys) }));
  const ranked = [...lines].sort((a, b) => b.mass - a.mass);
  const top = ranked.slice(0, mostAttendedCount(lines.length));
  const keys = top.flatMap((l) => l.keys);
  const removed = top.reduce((s, l) => s + l.mass, 0);
  const controlKeep = new Float32Array(row.length).fill(1);
  let left = removed;
  for (const line of ranked.slice(top.length).reverse()) {
    if (left <= 0) break;
    const fraction = line.mass > 0 ? Math.min(1, left / line.mass) : 1;
    for (const k of line.keys) controlKeep[k] = 1 - fraction;
    left -= fraction * line.mass;
  }
  return { keys, removed, controlKeep, controlRemoved: removed - Math.max(0, left) };
}
