import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console's web app: built into dist/web, which the console's server serves.
// `npx vite` in this folder serves it with hot reload, proxying the API to a running `npm start`.
export default defineConfig({
  root: 'web',
  plugins: [react()],
  build: { outDir: '../dist/web', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
  server: {
    proxy: { '/api': 'http://127.0.0.1:4100', '/auth': 'http://127.0.0.1:4100' },
  },
});
