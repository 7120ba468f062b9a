// `pnpm bench` for theory: every benchmark in this folder, one after another.
import './corpus.bench.js';
import './bayes.bench.js';
import './simulate.bench.js';
