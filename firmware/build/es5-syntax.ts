/**
 * `findNonEs5Syntax(code)`: parses a script with SWC and lists every construct newer than ES5 (ES 5.1), so the
 * Espruino bundle can be proven free of syntax Espruino's parser rejects without an Espruino at hand. SWC's
 * parser accepts modern syntax, so the check is a walk over its AST rather than a parser setting: classes,
 * arrows, let/const, templates, destructuring, spread/rest, default parameters, computed keys, shorthand and
 * method properties, for-of, generators, async/await, optional chaining, `??`, `**`, logical assignment,
 * bigint literals, binary/octal/separated numerals, `\u{...}` escapes, regex flags beyond `gim`, optional
 * catch bindings, `new.target`/`import.meta`, `super`, modules.
 */
import { parseSync } from '@swc/core';

export interface SyntaxFinding {
  /** the ES2015+ construct, e.g. `ArrowFunctionExpression` or `const declaration` */
  construct: string;
  /** offset in the source and the text there (60 characters) */
  offset: number;
  excerpt: string;
}

const NEWER_NODE_TYPES = new Set([
  'ArrowFunctionExpression',
  'ClassDeclaration',
  'ClassExpression',
  'ClassProperty',
  'PrivateProperty',
  'PrivateName',
  'TemplateLiteral',
  'TaggedTemplateExpression',
  'SpreadElement',
  'RestElement',
  'ObjectPattern',
  'ArrayPattern',
  'AssignmentPattern',
  'AssignmentPatternProperty',
  'KeyValuePatternProperty',
  'ForOfStatement',
  'YieldExpression',
  'AwaitExpression',
  'MetaProperty',
  'Super',
  'SuperPropExpression',
  'BigIntLiteral',
  'OptionalChainingExpression',
  'Import',
  'MethodProperty',
  'AssignmentProperty',
  'ImportDeclaration',
  'ExportDeclaration',
  'ExportNamedDeclaration',
  'ExportDefaultDeclaration',
  'ExportDefaultExpression',
  'ExportAllDeclaration',
]);
const NEWER_OPERATORS = new Set(['**', '??', '**=', '??=', '||=', '&&=']);

type Node = { type?: string; span?: { start: number }; [key: string]: unknown };

function describe(node: Node, parent: Node | undefined, key: string): string | undefined {
  const type = node.type;
  // Call arguments and array elements are untyped `{ spread, expression }` wrappers in SWC's AST.
  if (node.spread !== undefined && node.spread !== null && 'expression' in node) return 'spread argument';
  if (type === undefined) return undefined;
  if (NEWER_NODE_TYPES.has(type)) return type;
  if (type === 'Computed' && key === 'key') return 'computed key';
  if (type === 'VariableDeclaration' && node.kind !== 'var') return `${String(node.kind)} declaration`;
  if (node.generator === true) return 'generator';
  if (node.async === true) return 'async function';
  if ((type === 'BinaryExpression' || type === 'AssignmentExpression') && NEWER_OPERATORS.has(String(node.operator))) {
    return `operator ${String(node.operator)}`;
  }
  if (type === 'RegExpLiteral' && /[^gim]/.test(String(node.flags))) return `regex flags /${String(node.flags)}`;
  if (type === 'NumericLiteral' && typeof node.raw === 'string' && /^0[bBoO]|_/.test(node.raw)) return `numeral ${node.raw}`;
  if (type === 'StringLiteral' && typeof node.raw === 'string' && /\\u\{/.test(node.raw)) return 'code point escape \\u{...}';
  if (type === 'CatchClause' && (node.param === null || node.param === undefined)) return 'optional catch binding';
  // In SWC's AST a shorthand property `{ a }` is a bare Identifier among an object literal's properties.
  if (type === 'Identifier' && parent?.type === 'ObjectExpression' && key === 'properties') return 'shorthand property';
  return undefined;
}

/** Every ES2015+ construct in `code` (a script, not a module), in source order; empty when the code is ES5. */
export function findNonEs5Syntax(code: string): SyntaxFinding[] {
  // A leading empty statement marks offset 0: SWC offsets keep growing across parse calls in one process.
  const ast = parseSync(`;${code}`, { syntax: 'ecmascript', target: 'es5', script: true } as Parameters<typeof parseSync>[1]) as unknown as Node;
  const first = (ast.body as Node[])[0];
  const base = (first && first.span ? first.span.start : 0) + 1;
  const findings: SyntaxFinding[] = [];
  const visit = (value: unknown, parent: Node | undefined, key: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, parent, key);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const node = value as Node;
    const construct = describe(node, parent, key);
    if (construct !== undefined) {
      const span = node.span ?? (node.spread as { start: number } | undefined);
      const offset = span ? span.start - base : -1;
      findings.push({ construct, offset, excerpt: offset >= 0 ? code.slice(offset, offset + 60) : '' });
    }
    for (const k of Object.keys(node)) {
      if (k !== 'span') visit(node[k], node, k);
    }
  };
  visit(ast, undefined, '');
  return findings.sort((a, b) => a.offset - b.offset);
}
