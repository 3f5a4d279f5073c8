// Sums the counters of every TRX file under a folder and prints the closing line CI reads: "N passed, N failed, N skipped".
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? 'TestResults';

function trxFiles(dir) {
  let found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found = found.concat(trxFiles(path));
    else if (name.endsWith('.trx')) found.push(path);
  }
  return found;
}

let files = [];
try { files = trxFiles(root); } catch { files = []; }

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const file of files) {
  const counters = /<Counters\s([^>]*)\/>/.exec(readFileSync(file, 'utf8'));
  if (!counters) continue;
  const value = (name) => Number((new RegExp(`\\b${name}="(\\d+)"`).exec(counters[1]) ?? [0, 0])[1]);
  totals.passed += value('passed');
  totals.failed += value('failed') + value('error') + value('timeout') + value('aborted');
  totals.skipped += value('notExecuted');
}

// Checks outside dotnet test (e.g. the Bicep build and lint in test.sh) report failures through EXTRA_FAILED.
totals.failed += Number(process.env.EXTRA_FAILED ?? 0);

if (files.length === 0) {
  console.error(`no TRX results under ${root}: the test run did not complete`);
  totals.failed += 1;
}

console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
