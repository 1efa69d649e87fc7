/** How a check's status is stored: a small integer keeps the checks table compact. */
export const checkStatuses = ['up', 'degraded', 'down'] as const;
export type CheckStatus = (typeof checkStatuses)[number];

export const STATUS_CODE: Record<CheckStatus, number> = { up: 0, degraded: 1, down: 2 };
export const DOWN = STATUS_CODE.down;

export function statusName(code: number): CheckStatus {
  return checkStatuses[code] ?? 'down';
}
