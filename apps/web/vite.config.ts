import { readFileSync } from 'node:fs';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';

/** The built-in model's files the model playground loads, shipped beside the page (about 1 MB). */
const MODEL_FILES = ['config.json', 'model.safetensors', 'world.json'];

/** Copies `models/default` into the build as `models/default/` (the static build works without a server of ours). */
function builtInModel(): Plugin {
  return {
    name: 'iclkr-built-in-model',
    generateBundle() {
      for (const file of MODEL_FILES) {
        this.emitFile({ type: 'asset', fileName: `models/default/${file}`, source: readFileSync(new URL(`../../models/default/${file}`, import.meta.url)) });
      }
    },
  };
}

/**
 * The dashboard's build: relative asset paths (`base: './'`), so dist/ works from any folder or
 * static server. csv-parse's default entry needs Node's Buffer at load time; its browser build
 * carries its own.
 */
export default defineConfig({
  base: './',
  plugins: [react(), builtInModel()],
  resolve: { alias: [{ find: /^csv-parse\/sync$/, replacement: 'csv-parse/browser/esm/sync' }] },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4000 },
});
