/** The one error type of the domain. Each transport maps `code` to its own status. */
export type AppErrorCode = 'VALIDATION' | 'NOT_FOUND' | 'CONFLICT' | 'CONFIG' | 'DATABASE' | 'UNAUTHORIZED' | 'FORBIDDEN';

export interface FieldIssue {
  /** JSON path of the offending value, such as `$.monitors[2].interval_s`. */
  path: string;
  message: string;
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
