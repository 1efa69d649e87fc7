import type { APIRoute } from 'astro';
import { LANG_COOKIE } from '../../lib/i18n-admin';
import { sameOriginPath } from '../../lib/auth/redirect';

/** Remembers the visitor's language for the admin pages and goes back where they were. */
export const GET: APIRoute = ({ url, cookies, redirect }) => {
  const to = url.searchParams.get('to') === 'en' ? 'en' : 'ja';
  const back = sameOriginPath(url.searchParams.get('back'), '/admin/');
  cookies.set(LANG_COOKIE, to, { path: '/', sameSite: 'lax', maxAge: 365 * 86_400, httpOnly: true });
  return redirect(back, 303);
};
