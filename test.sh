#!/usr/bin/env bash
# Installs what the tests need, runs every test, and ends with the line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Azurite (the storage emulator the tests start for themselves) comes from npm, pinned in package-lock.json.
if [ ! -x node_modules/.bin/azurite-table ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test.sh: installing Azurite from npm (npm ci)"
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

# The browser tests drive Debian's chromium through Playwright (Playwright's own browser download cannot run offline).
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "test.sh: installing Debian's chromium for the browser tests"
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "test.sh: chromium could not be installed; the browser tests will fail"
  else
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "test.sh: install chromium (or set CHROMIUM_PATH); the browser tests will fail without it"
  fi
fi

rm -rf TestResults
echo "test.sh: building and running every test in CredentialsFunctions.sln"
# A test that hangs is dumped and failed after 5 minutes instead of holding CI until its limit.
dotnet test CredentialsFunctions.sln -c Release --logger trx --results-directory TestResults --blame-hang-timeout 5m
test_status=$?

echo "test.sh: packing the .NET client (dotnet pack client/Credentials.Client) into artifacts/client-feed"
# A unique version per run: NuGet's global cache would otherwise serve the consumer tests an older build of 0.1.0.
client_suffix="consumer.$(date +%s)"
client_version="0.1.0-$client_suffix"
pack_status=0
rm -rf artifacts/client-feed
if dotnet pack client/Credentials.Client/Credentials.Client.csproj -c Release -o artifacts/client-feed -p:VersionSuffix="$client_suffix" --nologo -v quiet \
  && ls artifacts/client-feed/Credentials.Client."$client_version".nupkg artifacts/client-feed/Credentials.Client."$client_version".snupkg >/dev/null 2>&1; then
  echo "pack: Credentials.Client.$client_version.nupkg and .snupkg"
else
  echo "pack: dotnet pack of client/Credentials.Client failed"; pack_status=1
fi

echo "test.sh: the packed client as a consumer uses it (tests/Credentials.Client.ConsumerTests, net8.0 and net10.0, against ./run.sh)"
# Not in the solution: it restores the package just packed from artifacts/client-feed. Where the .NET 8 runtime is
# missing, its net8.0 build runs on the newest installed runtime. Its fixture waits up to 15 minutes for ./run.sh (which
# builds the app in Debug first), hence the longer hang timeout.
roll_forward=()
if ! dotnet --list-runtimes | grep -q '^Microsoft.NETCore.App 8\.'; then roll_forward=(DOTNET_ROLL_FORWARD=Major); fi
consumer_status=0
if [ "$pack_status" -eq 0 ]; then
  env ${roll_forward[@]+"${roll_forward[@]}"} dotnet test tests/Credentials.Client.ConsumerTests/Credentials.Client.ConsumerTests.csproj -c Release \
    -p:CredentialsClientVersion="$client_version" --logger trx --results-directory TestResults --blame-hang-timeout 20m
  consumer_status=$?
else
  consumer_status=1
fi

echo "test.sh: building and linting every Bicep file"
# Infrastructure: build and lint every Bicep file with the Bicep CLI that the test project restores from NuGet.
# bicepconfig.json raises linter findings to errors; any remaining warning fails this step too.
bicep="$(dotnet msbuild tests/Credentials.IntegrationTests/Credentials.IntegrationTests.csproj -getProperty:BicepCliPath)"
bicep_status=0
bicep_out=$(mktemp -d)
for file in infra/main.bicep infra/app/*.bicep; do
  if ! output=$("$bicep" build "$file" --outdir "$bicep_out" 2>&1 && "$bicep" lint "$file" 2>&1) || grep -qi "warning" <<<"$output"; then
    echo "bicep: $file is not clean:"; echo "$output"; bicep_status=1
  fi
done
rm -rf "$bicep_out"
[ "$bicep_status" -eq 0 ] && echo "bicep: build and lint clean for infra/main.bicep and infra/app/*.bicep"

echo "test.sh: checking code style (dotnet format --verify-no-changes)"
format_status=0
if ! dotnet format CredentialsFunctions.sln --verify-no-changes --no-restore; then
  echo "format: run 'dotnet format CredentialsFunctions.sln' and commit the result"; format_status=1
else
  echo "format: no changes needed"
fi

# Every test project must have written results; dotnet test's own exit code is counted too (a project that did not build
# writes none).
# The consumer tests write one result file per target framework (net8.0 and net10.0).
expected_results=$(( $(grep -l '<IsTestProject>true</IsTestProject>' tests/*/*.csproj | wc -l) + 1 ))
EXTRA_FAILED="$((bicep_status + format_status + pack_status))" EXPECTED_RESULTS="$expected_results" DOTNET_TEST_STATUS="$((test_status | consumer_status))" \
  node tools/scripts/test-summary.mjs TestResults
summary_status=$?
[ "$test_status" -eq 0 ] && [ "$consumer_status" -eq 0 ] && [ "$summary_status" -eq 0 ] && [ "$bicep_status" -eq 0 ] && [ "$format_status" -eq 0 ] && [ "$pack_status" -eq 0 ]
