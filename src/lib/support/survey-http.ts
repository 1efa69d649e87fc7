import type { Db } from '../db';
import { AppError } from '../errors';
import { answerSurvey, readSurvey } from './verbs';

/** The survey page's requests (/survey/<token>): the form, the answer, or why the link no longer works. */
export type SurveyOutcome =
  | { kind: 'form' }
  | { kind: 'answered' }
  | { kind: 'used' | 'expired' | 'invalid' }
  | { kind: 'incomplete'; values: Record<string, string> };

export async function handleSurvey(db: Db, request: Request, token: string, now = Date.now()): Promise<SurveyOutcome> {
  if (request.method !== 'POST') {
    const s = readSurvey(db, token, now);
    return s.state === 'open' ? { kind: 'form' } : { kind: s.state };
  }
  const raw = await request.text();
  if (raw.length > 20_000) return { kind: 'incomplete', values: {} };
  const form = new URLSearchParams(raw);
  const values = Object.fromEntries(['q1', 'q2', 'q3', 'q4', 'q5', 'comment'].map((k) => [k, form.get(k) ?? '']));
  try {
    const r = answerSurvey(db, token, values as never, now);
    return r === 'open' ? { kind: 'form' } : { kind: r };
  } catch (err) {
    if (err instanceof AppError && err.code === 'VALIDATION') return { kind: 'incomplete', values };
    throw err;
  }
}
