/**
 * Where a `next=` or `back=` parameter may send the browser: a path on this very site, as
 * the browser itself would resolve it. Parsed with the URL parser against a stand-in origin
 * (so `//host`, `/\host`, `/%09/host` and `https:host` resolve elsewhere and are refused);
 * control characters and backslashes, which browsers drop or turn into `/`, are refused.
 */
const STAND_IN = 'http://this-site.invalid';

export function sameOriginPath(raw: string | null | undefined, fallback: string): string {
  if (!raw || raw.length > 2000) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return fallback;
  if (!raw.startsWith('/') || raw.startsWith('//')) return fallback;
  let url: URL;
  try {
    url = new URL(raw, STAND_IN);
  } catch {
    return fallback;
  }
  if (url.origin !== STAND_IN) return fallback;
  const path = url.pathname + url.search + url.hash;
  // A path the browser would read as another host once more (`/%2F%2Fevil`) is refused too.
  return path.startsWith('//') ? fallback : path;
}
