// Compares two folders written by capture.sh: every JSON (or JSON-lines) file must hold the same
// numbers, ignoring what changes from run to run (times, dates, versions, folder paths) and what
// a newer report adds (fields absent from the older file). Prints one line per file; exits 1 on a
// difference. Usage: node scripts/golden/compare.mjs BEFORE AFTER
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [before, after] = process.argv.slice(2);
if (!before || !after) {
  console.error('usage: node scripts/golden/compare.mjs BEFORE AFTER');
  process.exit(2);
}
const VOLATILE = new Set(['createdAt', 'seconds', 'versions', 'tokensPerSecond', 'command', 'gitCommit', 'schemaVersion']);

function parse(path) {
  const text = readFileSync(path, 'utf8');
  return path.endsWith('.jsonl') ? text.trim().split('\n').map((l) => JSON.parse(l)) : JSON.parse(text);
}

/** Differences between a (old) and b (new): every field of a must be in b with the same value. */
function diff(a, b, path, out) {
  if (out.length > 5) return;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return void out.push(`${path}: length ${a.length} -> ${Array.isArray(b) ? b.length : typeof b}`);
    a.forEach((x, i) => diff(x, b[i], `${path}[${i}]`, out));
  } else if (a !== null && typeof a === 'object') {
    if (b === null || typeof b !== 'object') return void out.push(`${path}: object -> ${JSON.stringify(b)}`);
    for (const key of Object.keys(a)) {
      if (VOLATILE.has(key)) continue;
      if (typeof a[key] === 'string' && a[key].includes('/tmp/')) continue;
      diff(a[key], b[key], `${path}.${key}`, out);
    }
  } else if (a !== b && !(typeof a === 'string' && a.includes('golden'))) {
    out.push(`${path}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
  }
}

let failed = 0;
for (const name of readdirSync(before).filter((f) => /\.jsonl?$/.test(f)).sort()) {
  const out = [];
  try {
    diff(parse(join(before, name)), parse(join(after, name)), name, out);
  } catch (error) {
    out.push(String(error));
  }
  console.log(out.length === 0 ? `same       ${name}` : `DIFFERENT  ${name}\n  ${out.join('\n  ')}`);
  if (out.length > 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
