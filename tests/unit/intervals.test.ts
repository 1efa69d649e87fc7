import { describe, expect, it } from 'vitest';
import { union, subtract, intersect, totalMs } from '../../src/lib/intervals';

const i = (start: number, end: number) => ({ start, end });

describe('interval sets', () => {
  it('merges overlapping and touching intervals', () => {
    expect(union([i(5, 7), i(0, 2), i(2, 3), i(6, 9)])).toEqual([i(0, 3), i(5, 9)]);
  });

  it('subtracts holes from the middle and the edges', () => {
    expect(subtract([i(0, 10)], [i(2, 3), i(8, 12), i(-5, 1)])).toEqual([i(1, 2), i(3, 8)]);
  });

  it('intersects lists', () => {
    expect(intersect([i(0, 5), i(8, 12)], [i(3, 9)])).toEqual([i(3, 5), i(8, 9)]);
  });

  it('counts overlaps once', () => {
    expect(totalMs([i(0, 10), i(5, 15)])).toBe(15);
  });
});
