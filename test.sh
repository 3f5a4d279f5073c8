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
# A test that hangs is dumped and failed after 5 minutes instead of holding CI until its limit.
dotnet test CredentialsFunctions.sln -c Release --logger trx --results-directory TestResults --blame-hang-timeout 5m
test_status=$?

# Infrastructure: build and lint every Bicep file with the Bicep CLI that the test project restores from NuGet.
# bicepconfig.json raises linter findings to errors; any remaining warning fails this step too.
bicep="$(dotnet msbuild tests/Credentials.Tests/Credentials.Tests.csproj -getProperty:NuGetPackageRoot)azure.bicep.commandline.linux-x64/0.49.2/tools/bicep"
bicep_status=0
bicep_out=$(mktemp -d)
for file in infra/main.bicep infra/app/*.bicep; do
  if ! output=$("$bicep" build "$file" --outdir "$bicep_out" 2>&1 && "$bicep" lint "$file" 2>&1) || grep -qi "warning" <<<"$output"; then
    echo "bicep: $file is not clean:"; echo "$output"; bicep_status=1
  fi
done
rm -rf "$bicep_out"
[ "$bicep_status" -eq 0 ] && echo "bicep: build and lint clean for infra/main.bicep and infra/app/*.bicep"

EXTRA_FAILED="$bicep_status" node tools/scripts/test-summary.mjs TestResults
summary_status=$?
[ "$test_status" -eq 0 ] && [ "$summary_status" -eq 0 ] && [ "$bicep_status" -eq 0 ]
