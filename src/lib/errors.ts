/** The one error type of the domain. Each transport maps `code` to its own status. */
export type AppErrorCode = 'VALIDATION' | 'NOT_FOUND' | 'CONFLICT' | 'CONFIG' | 'DATABASE' | 'UNAUTHORIZED' | 'FORBIDDEN';

export interface FieldIssue {
  /** JSON path of the offending value, such as `$.monitors[2].interval_s`. */
  path: string;
  message: string;
  /** What a page needs to say a zod issue in the reader's language (issueMessage): zod's code and bounds. */
  code?: string;
  minimum?: number;
  maximum?: number;
  origin?: string;
  format?: string;
}

interface ZodIssueLike { code?: string; path: ReadonlyArray<PropertyKey>; message: string; minimum?: unknown; maximum?: unknown; origin?: unknown; format?: unknown }

/**
 * A zod issue as a field issue at `path`: zod's English message stays for logs and the API,
 * the code and bounds let a form word it in Japanese or English beside its field.
 */
export function fieldIssue(issue: ZodIssueLike, path: string): FieldIssue {
  const out: FieldIssue = { path, message: issue.message };
  if (issue.code) out.code = issue.code;
  if (issue.minimum !== undefined) out.minimum = Number(issue.minimum);
  if (issue.maximum !== undefined) out.maximum = Number(issue.maximum);
  if (typeof issue.origin === 'string') out.origin = issue.origin;
  if (typeof issue.format === 'string') out.format = issue.format;
  return out;
}

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const httpStatusOf: Record<AppErrorCode, number> = {
  VALIDATION: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, CONFIG: 500, DATABASE: 500,
};

/** Renders a zod-style path (`['monitors', 2, 'interval_s']`) as `$.monitors[2].interval_s`. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '$';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}
