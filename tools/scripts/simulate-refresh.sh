#!/usr/bin/env bash
# The long run of the refresh simulation (docs/refresh.md, "Deterministic simulation"): SIM_SCHEDULES seeded schedules
# (default 1,000,000) from SIM_FIRST_SEED (default 1) against today's protocol. Prints schedules per second and the
# violations, each with the one command that replays it.
#   tools/scripts/simulate-refresh.sh            # 1,000,000 schedules
#   SIM_SCHEDULES=50000 SIM_FIRST_SEED=10001 tools/scripts/simulate-refresh.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export SIM_SCHEDULES="${SIM_SCHEDULES:-1000000}" SIM_FIRST_SEED="${SIM_FIRST_SEED:-1}" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet test tests/Credentials.UnitTests -c Release --blame-hang-timeout 60m \
  --filter "FullyQualifiedName~RefreshSimulationTests.Today_protocol_holds_every_invariant_in_every_schedule" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "^ [0-9]+ schedules|^ invariant|Passed|Failed|error" || true
