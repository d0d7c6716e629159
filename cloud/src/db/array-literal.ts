/**
 * A PostgreSQL array literal (`{1,2}`, `{"a","b \"c\""}`) for one element of an array-of-arrays parameter:
 * `unnest($1::text[])` then `::bigint[]` per row, where node-postgres cannot send ragged nested arrays.
 * Strings are always quoted, with `"` and `\` escaped, so no value can break out of its element.
 */
export function arrayLiteral(xs: readonly (string | number)[]): string {
  return `{${xs.map((x) => (typeof x === 'number' ? String(x) : `"${x.replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;
}
