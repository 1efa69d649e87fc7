/**
 * Where an admin page sends the browser after an action (POST → 303): back to the section or
 * row it acted on, by that element's id, with the id also in `saved` so the page shows the
 * result there (ActionResult.astro) rather than at the top, out of sight.
 */
export function backTo(path: string, anchor: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ ...extra, saved: anchor });
  return `${path}${path.includes('?') ? '&' : '?'}${query}#${encodeURIComponent(anchor)}`;
}

/** The section the last action was on, from the address the page was sent back to. */
export function savedAt(url: URL): string | null {
  return url.searchParams.get('saved');
}
