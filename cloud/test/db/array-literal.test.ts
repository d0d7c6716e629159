import { describe, expect, it } from 'vitest';
import { arrayLiteral } from '../../src/db/array-literal.ts';

describe('arrayLiteral', () => {
  it('writes numbers bare and strings quoted, escaping quotes and backslashes', () => {
    expect(arrayLiteral([])).toBe('{}');
    expect(arrayLiteral([1, 22, -3])).toBe('{1,22,-3}');
    expect(arrayLiteral(['device', 'a"b', 'c\\d', 'NULL', 'x,y', '{z}'])).toBe('{"device","a\\"b","c\\\\d","NULL","x,y","{z}"}');
  });
});
