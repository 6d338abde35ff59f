import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development the console talks to the API on :3000; in production the API serves dist/.
export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/socket.io': { target: 'ws://127.0.0.1:3000', ws: true } } },
  build: { outDir: 'dist', sourcemap: true },
});
