import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The dashboard's build: relative asset paths (`base: './'`), so dist/ works from any folder or static server. */
export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4000 },
});
