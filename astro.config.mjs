// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';

export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'standalone' }),
  // Tests and parallel builds may point at their own output folder.
  outDir: process.env.ASTRO_OUT_DIR ?? './dist',
  // Every state-changing request must come from this site's own pages.
  security: { checkOrigin: true },
  server: { host: process.env.HOST ?? 'localhost', port: Number(process.env.PORT ?? 4321) },
  vite: {
    ssr: { external: ['better-sqlite3', '@napi-rs/canvas', 'pdfkit'] },
  },
  devToolbar: { enabled: false },
});
