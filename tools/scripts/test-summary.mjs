// Sums the counters of every TRX file under a folder and prints the closing line CI reads: "N passed, N failed, N skipped".
// EXPECTED_RESULTS: how many test projects must have written a TRX file (one that wrote none, after a build break or a
// host crash, counts as a failure). DOTNET_TEST_STATUS: dotnet test's exit code (non-zero is never "0 failed").
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
  const trx = readFileSync(file, 'utf8');
  const counters = /<Counters\s([^>]*)\/>/.exec(trx);
  const outcome = /<ResultSummary\s+outcome="([^"]*)"/.exec(trx)?.[1];
  if (!counters) {
    // A results file without counters is a run that was cut off: it can not count as passed.
    console.error(`${file}: no counters, the test run did not complete`);
    totals.failed += 1;
    continue;
  }
  const value = (name) => Number((new RegExp(`\\b${name}="(\\d+)"`).exec(counters[1]) ?? [0, 0])[1]);
  const passed = value('passed');
  // An inconclusive test did not pass.
  const failed = value('failed') + value('error') + value('timeout') + value('aborted') + value('inconclusive');
  const skipped = value('notExecuted');
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  // Fewer results than tests discovered (a crashed or hung test host) or an aborted run is a failure, whatever passed.
  const missing = value('total') - passed - failed - skipped;
  if (missing > 0 || outcome === 'Aborted' || outcome === 'Error') {
    console.error(`${file}: outcome ${outcome}, ${missing} of ${value('total')} tests without a result`);
    totals.failed += Math.max(missing, 1);
  }
}

// Checks outside dotnet test (e.g. the Bicep build and lint in test.sh) report failures through EXTRA_FAILED.
totals.failed += Number(process.env.EXTRA_FAILED ?? 0);

if (files.length === 0) {
  console.error(`no TRX results under ${root}: the test run did not complete`);
  totals.failed += 1;
}

const expected = Number(process.env.EXPECTED_RESULTS ?? 0);
if (files.length > 0 && files.length < expected) {
  console.error(`${expected - files.length} of ${expected} test projects wrote no results (a build break or a crashed test host)`);
  totals.failed += expected - files.length;
}

if (Number(process.env.DOTNET_TEST_STATUS ?? 0) !== 0 && totals.failed === 0) {
  console.error(`dotnet test exited with ${process.env.DOTNET_TEST_STATUS} although every result passed`);
  totals.failed += 1;
}

console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
