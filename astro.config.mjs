// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';

export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'standalone' }),
  // Tests and parallel builds may point at their own output folder.
  outDir: process.env.ASTRO_OUT_DIR ?? './dist',
  // Every state-changing request must come from this site's own pages. Astro compares the
  // Origin with the request's own URL, which it builds from the Host header only for allowed
  // domains: the site answers under whatever name it is reached by (links in mail and feeds
  // come from PUBLIC_URL), so every host is allowed and the origin must match it.
  security: { checkOrigin: true, allowedDomains: [{}] },
  server: { host: process.env.HOST ?? 'localhost', port: Number(process.env.PORT ?? 4321) },
  vite: {
    ssr: { external: ['better-sqlite3', '@napi-rs/canvas', 'pdfkit'] },
    // Scripts and stylesheets always go out as files: the Content-Security-Policy allows no
    // inline script, and a small bundle would otherwise be inlined (or become a data: URL).
    build: { assetsInlineLimit: 0 },
  },
  devToolbar: { enabled: false },
});
