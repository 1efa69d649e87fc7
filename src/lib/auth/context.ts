import { AppError } from '../errors';
import type { Actor } from '../audit';
import type { SessionUser } from './session';

/** The acting user of a request handler; admin changes need the admin role (the middleware checks it too). */
export function adminActor(user: SessionUser | null): Actor & { id: number } {
  if (!user) throw new AppError('UNAUTHORIZED', 'sign in first');
  if (user.role !== 'admin') throw new AppError('FORBIDDEN', 'admins only');
  return { id: user.id, email: user.email };
}

/** Reads a form body; a body that is not a form gives an empty one. */
export async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData();
  } catch {
    return new FormData();
  }
}

export const str = (f: FormData, name: string): string => {
  const v = f.get(name);
  return typeof v === 'string' ? v : '';
};

export const num = (f: FormData, name: string): number => {
  const v = str(f, name).trim();
  return v === '' ? Number.NaN : Number(v);
};
