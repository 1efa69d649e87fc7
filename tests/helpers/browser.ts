import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, headless, with the flags this machine's closed network needs. It runs
 * on the real clock even when the tests move the process clock with faketime (.ci/run):
 * the server's clock is what the tests move, and Chromium stalls under libfaketime.
 */
export async function launchBrowser(): Promise<Browser> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LD_PRELOAD|FAKETIME)/.test(k))) as Record<string, string>;
  return chromium.launch({
    env,
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
