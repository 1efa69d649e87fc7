import type { APIContext } from 'astro';
import { getRuntime } from '../runtime';
import type { Db } from '../db';
import type { Actor } from '../audit';
import { adminActor } from './context';
import { AppError, httpStatusOf } from '../errors';

/**
 * An admin's action on one record named by the id in its path (POST /admin/<what>/<id>/<verb>),
 * run after the endpoint's own guard: an id that is not a whole number is not found, an
 * AppError answers in plain text with its status, and otherwise the browser goes `back`.
 */
export function adminActionById(context: APIContext, what: string, act: (db: Db, actor: Actor & { id: number }, id: number) => void, back: string): Response {
  const id = Number(context.params.id);
  try {
    if (!Number.isInteger(id)) throw new AppError('NOT_FOUND', `no such ${what}`);
    act(getRuntime().db, adminActor(context.locals.user), id);
  } catch (err) {
    if (err instanceof AppError) return new Response(`${err.message}\n`, { status: httpStatusOf[err.code], headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    throw err;
  }
  return context.redirect(back, 303);
}
