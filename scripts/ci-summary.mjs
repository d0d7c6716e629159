// Reads vitest JSON reports and prints the one line CI reads: "N passed, N failed".
// A missing report counts as one failure (the run crashed before writing it); a failed typecheck too.
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const typecheckFailed = args.at(-1) === '1';
let passed = 0;
let failed = typecheckFailed ? 1 : 0;
for (const file of args.slice(0, -1)) {
  if (!existsSync(file)) {
    console.log(`${file}: no report written`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) {
      console.log(`suite failed to run: ${suite.name}: ${String(suite.message ?? '').split('\n')[0]}`);
      failed += 1;
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
