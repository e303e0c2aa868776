import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cli';

/**
 * Every SQL statement must be a constant: values travel only as bound
 * parameters. This walks the engine's sources with the TypeScript checker
 * and fails on any prepare/exec/pragma whose SQL argument is not a string
 * literal type (a concatenation or an interpolated template has type
 * `string`, which is how a value would get into SQL).
 */
const SQL_METHODS = new Set(['prepare', 'exec', 'pragma']);

interface Finding {
  file: string;
  line: number;
  text: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** RegExp#exec shares the name; it is not SQL. */
function isRegExp(checker: ts.TypeChecker, receiver: ts.Expression): boolean {
  return (
    ts.isRegularExpressionLiteral(receiver) || checker.getTypeAtLocation(receiver).getSymbol()?.getName() === 'RegExp'
  );
}

function isConstantString(t: ts.Type): boolean {
  if (t.isUnion()) return t.types.every(isConstantString);
  return (t.flags & ts.TypeFlags.StringLiteral) !== 0;
}

export function findDynamicSql(files: string[], host?: ts.CompilerHost): Finding[] {
  const program = ts.createProgram(
    files,
    {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      skipLibCheck: true,
      types: ['node'],
    },
    host,
  );
  const checker = program.getTypeChecker();
  const findings: Finding[] = [];
  for (const sf of program.getSourceFiles()) {
    if (!files.includes(sf.fileName)) continue;
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        SQL_METHODS.has(node.expression.name.text) &&
        node.arguments.length > 0 &&
        !isRegExp(checker, node.expression.expression)
      ) {
        const arg = node.arguments[0]!;
        const dynamicSyntax =
          ts.isTemplateExpression(arg) ||
          (ts.isBinaryExpression(arg) && arg.operatorToken.kind === ts.SyntaxKind.PlusToken);
        if (dynamicSyntax || !isConstantString(checker.getTypeAtLocation(arg))) {
          const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
          findings.push({ file: sf.fileName, line: line + 1, text: node.getText().slice(0, 120) });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return findings;
}

describe('SQL is never built from values', () => {
  it('every prepare/exec/pragma in engine/ takes a constant SQL string', () => {
    const files = sourceFiles(join(REPO_ROOT, 'engine'));
    expect(files.length).toBeGreaterThan(10);
    const findings = findDynamicSql(files)
      .map((f) => `${relative(REPO_ROOT, f.file)}:${f.line}  ${f.text}`)
      // The statement cache passes its caller's SQL on; each caller's .prepare('…') is checked here itself.
      .filter((f) => !f.startsWith('engine/store/statements.ts:'));
    expect(findings).toEqual([]);
  });

  it('the check itself catches concatenation, interpolation and non-literal strings', () => {
    const sample = `
      declare const db: { prepare(sql: string): unknown; exec(sql: string): void; pragma(s: string): void };
      declare const name: string;
      const TABLE = 'users';
      db.prepare('SELECT * FROM users WHERE name = ?');        // fine
      db.prepare("SELECT * FROM users WHERE name = '" + name + "'");
      db.exec(\`DELETE FROM users WHERE name = '\${name}'\`);
      const q = 'SELECT ' + TABLE;
      db.prepare(q);
      db.pragma('journal_mode = WAL');                         // fine
      /^a+$/u.exec(name);                                      // a RegExp, not SQL
      function run(sql: string) { db.exec(sql); }
      const re = /x/u; re.exec(name);                          // a RegExp, not SQL
    `;
    const file = join(REPO_ROOT, '__sample__.ts');
    const host = ts.createCompilerHost({});
    const orig = host.getSourceFile.bind(host);
    host.getSourceFile = (f, lang, ...rest) =>
      f === file ? ts.createSourceFile(f, sample, lang) : orig(f, lang, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (f) => f === file || fileExists(f);
    const lines = findDynamicSql([file], host).map((f) => f.line);
    expect(lines).toEqual([6, 7, 9, 12]);
  });
});
