import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The dashboard's build: relative asset paths (`base: './'`), so dist/ works from any folder or
 * static server. csv-parse's default entry needs Node's Buffer at load time; its browser build
 * carries its own.
 */
export default defineConfig({
  base: './',
  plugins: [react()],
  resolve: { alias: [{ find: /^csv-parse\/sync$/, replacement: 'csv-parse/browser/esm/sync' }] },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4000 },
});
