#!/usr/bin/env bash
# Installs what the tests need, runs every test, and ends with the line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Azurite (the storage emulator the tests start for themselves) comes from npm, pinned in package-lock.json.
if [ ! -x node_modules/.bin/azurite-table ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

rm -rf TestResults
dotnet test CredentialsFunctions.sln -c Release --logger trx --results-directory TestResults
test_status=$?

node tools/scripts/test-summary.mjs TestResults
summary_status=$?
[ "$test_status" -eq 0 ] && [ "$summary_status" -eq 0 ]
