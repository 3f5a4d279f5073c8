#!/usr/bin/env bash
# Runs the service locally with no cloud account: Azurite for storage, then the app (`func start` when Azure Functions
# Core Tools are installed, otherwise the dev host) on http://127.0.0.1:$PORT. Ctrl-C stops everything it started.
#   ./run.sh --worker   runs the built app as a real Functions worker process under the worker host (tools/WorkerHost)
#                       instead: the production path (the worker's middleware, routing and logging) on the same port.
# Works with bash 3.2 (macOS) and later: no `wait -n`, no empty-array expansions under `set -u`.
set -euo pipefail
cd "$(dirname "$0")"

HOST_KIND=auto
for arg in "$@"; do
  case "$arg" in
    --worker) HOST_KIND=worker ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (known: --worker)" >&2; exit 2 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# A local run is a development run (the log says so); the app behaves the same in every environment.
export DOTNET_ENVIRONMENT="${DOTNET_ENVIRONMENT:-Development}" ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"

step() { echo "run.sh: $*"; }

PORT="${PORT:-7071}"
AUTHRESS_PORT="${AUTHRESS_PORT:-7072}"
SANDBOX_PORT="${SANDBOX_PORT:-7073}"
BLOB_PORT="${AZURITE_BLOB_PORT:-10000}"
QUEUE_PORT="${AZURITE_QUEUE_PORT:-10001}"
TABLE_PORT="${AZURITE_TABLE_PORT:-10002}"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for_port() {
  for _ in $(seq 1 150); do port_in_use "$1" && return 0; sleep 0.2; done
  echo "run.sh: nothing is listening on port $1 after 30 s" >&2; return 1
}

for port in "$PORT" "$AUTHRESS_PORT" "$SANDBOX_PORT" "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT"; do
  if port_in_use "$port"; then echo "run.sh: port $port is already in use; stop what holds it or choose another (PORT, AUTHRESS_PORT, SANDBOX_PORT, AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT, AZURITE_TABLE_PORT)." >&2; exit 1; fi
done

if [ ! -f local.settings.json ]; then
  # A fresh random development master key per clone: no key is ever committed.
  local_key=$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64'))")
  # A fresh Authress-format service-client access key (Ed25519, PKCS#8) for the app to call the local Authress endpoint.
  access_key=$(node -e "const c=require('crypto');const {privateKey}=c.generateKeyPairSync('ed25519');process.stdout.write('sc_credentials_service.local-key.local-account.'+privateKey.export({format:'der',type:'pkcs8'}).toString('base64'))")
  # A fresh client secret shared by the app and the sandbox OAuth provider.
  sandbox_secret=$(node -e "process.stdout.write(require('crypto').randomBytes(24).toString('base64url'))")
  sed -e "s|GENERATED-BY-RUN-SH|$local_key|" -e "s|GENERATED-AUTHRESS-ACCESS-KEY|$access_key|" \
    -e "s|GENERATED-SANDBOX-CLIENT-SECRET|$sandbox_secret|" local.settings.sample.json > local.settings.json
  echo "run.sh: created local.settings.json from local.settings.sample.json with a new local master key, Authress access key and sandbox client secret (git-ignored)."
fi
if [ "$TABLE_PORT" != 10002 ] || [ "$QUEUE_PORT" != 10001 ] || [ "$BLOB_PORT" != 10000 ]; then
  # Azurite's published development account, pointed at the ports chosen above (environment variables win over local.settings.json).
  export Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$BLOB_PORT/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$QUEUE_PORT/devstoreaccount1;TableEndpoint=http://127.0.0.1:$TABLE_PORT/devstoreaccount1;"
  export AzureWebJobsStorage="$Storage__ConnectionString"
fi
if [ ! -x node_modules/.bin/azurite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing Azurite from npm (npm ci; once per clone)"
  npm ci --no-audit --no-fund
fi

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in ${pids[@]+"${pids[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "starting Azurite (table $TABLE_PORT, queue $QUEUE_PORT, blob $BLOB_PORT)"
node_modules/.bin/azurite --inMemoryPersistence --disableTelemetry --silent --skipApiVersionCheck \
  --blobHost 127.0.0.1 --blobPort "$BLOB_PORT" --queueHost 127.0.0.1 --queuePort "$QUEUE_PORT" \
  --tableHost 127.0.0.1 --tablePort "$TABLE_PORT" &
pids+=($!)
wait_for_port "$TABLE_PORT"
wait_for_port "$QUEUE_PORT"

# The local Authress-compatible endpoint, trusting the app's service client from local.settings.json.
if [ "$AUTHRESS_PORT" != 7072 ]; then
  export Authress__ApiBaseUrl="http://127.0.0.1:$AUTHRESS_PORT/" Authentication__Issuers__0__Issuer="http://127.0.0.1:$AUTHRESS_PORT/"
fi
# Local user tokens carry aud app_credentials_local; a local.settings.json from before audiences were required has none.
if [ -z "$(node -e "process.stdout.write(process.env.Authentication__Issuers__0__Audiences__0 || require('./local.settings.json').Values.Authentication__Issuers__0__Audiences__0 || require('./local.settings.json').Values.Authentication__Issuers__0__Audience || '')")" ]; then
  export Authentication__Issuers__0__Audiences__0=app_credentials_local
fi
authress_key=$(node -e "process.stdout.write(process.env.Authress__AccessKey || require('./local.settings.json').Values.Authress__AccessKey || '')")
step "building and starting the local Authress endpoint on port $AUTHRESS_PORT"
dotnet build tools/AuthressLocal/Credentials.AuthressLocal.csproj -c Debug -v quiet -nologo
dotnet tools/AuthressLocal/bin/Debug/net10.0/Credentials.AuthressLocal.dll --urls "http://127.0.0.1:$AUTHRESS_PORT" \
  --grants "${AUTHRESS_GRANTS:-infra/authress/roles.json,infra/authress/examples/sample-callers.json}" --service-client-key "$authress_key" &
pids+=($!)
wait_for_port "$AUTHRESS_PORT"

# The sandbox OAuth provider, with the app's exact redirect URI and the client secret from local.settings.json.
if [ "$SANDBOX_PORT" != 7073 ]; then
  export Providers__sandbox__Issuer="http://127.0.0.1:$SANDBOX_PORT/"
  export Providers__sandbox__ApiBaseUrls__default="http://127.0.0.1:$SANDBOX_PORT"
fi
if [ "$PORT" != 7071 ]; then
  export Service__PublicBaseUrl="http://127.0.0.1:$PORT"
fi
# The README's API-key provider, the sandbox's keyed API (key demo-api-key), also for a local.settings.json made before it existed.
export Providers__sandboxkey__Preset=api_key Providers__sandboxkey__SecretHeader=X-Api-Key Providers__sandboxkey__SecretFormat='{secret}'
export Providers__sandboxkey__ApiBaseUrls__default="http://127.0.0.1:$SANDBOX_PORT/keyed"
export Providers__sandboxkey__ProbeUrl="http://127.0.0.1:$SANDBOX_PORT/keyed/me"
# The sandbox provider is on loopback, which the app never connects to unless told (docs/providers.md); set here too so
# that a local.settings.json made before the setting existed keeps working.
export Outbound__AllowPrivateNetworkTargets="${Outbound__AllowPrivateNetworkTargets:-true}"
# The maintenance work queue's trigger names its queue by setting; a local.settings.json made before it existed has none.
Storage__MaintenanceQueue=$(node -e "process.stdout.write(process.env.Storage__MaintenanceQueue || require('./local.settings.json').Values.Storage__MaintenanceQueue || 'maintenance-work')")
export Storage__MaintenanceQueue
public_base=$(node -e "process.stdout.write(process.env.Service__PublicBaseUrl || require('./local.settings.json').Values.Service__PublicBaseUrl)")
SANDBOX_CLIENT_SECRET=$(node -e "process.stdout.write(process.env.Providers__sandbox__ClientSecret || require('./local.settings.json').Values.Providers__sandbox__ClientSecret || '')")
export SANDBOX_CLIENT_SECRET
step "building and starting the sandbox OAuth provider on port $SANDBOX_PORT"
dotnet build tools/SandboxProvider/Credentials.SandboxProvider.csproj -c Debug -v quiet -nologo
dotnet tools/SandboxProvider/bin/Debug/net10.0/Credentials.SandboxProvider.dll --urls "http://127.0.0.1:$SANDBOX_PORT" \
  --redirect-uri "${public_base%/}/api/oauth/callback/sandbox" --api-key demo-api-key &
pids+=($!)
wait_for_port "$SANDBOX_PORT"

if [ "$HOST_KIND" = worker ]; then
  step "building the app and the worker host, then starting the app as a Functions worker under it on port $PORT"
  dotnet build functions/Credentials.Functions.csproj -c Debug -v quiet -nologo
  dotnet build tools/WorkerHost/Credentials.WorkerHost.csproj -c Debug -v quiet -nologo
  dotnet tools/WorkerHost/bin/Debug/net10.0/Credentials.WorkerHost.dll --app functions/bin/Debug/net10.0 \
    --local-settings local.settings.json --urls "http://127.0.0.1:$PORT" &
  pids+=($!)
elif command -v func >/dev/null 2>&1; then
  step "starting the app with func start on port $PORT"
  (cd functions && exec func start --port "$PORT") &
  pids+=($!)
else
  step "building the app and starting it in the dev host on port $PORT (Functions Core Tools not installed)"
  dotnet build tools/DevHost/Credentials.DevHost.csproj -c Debug -v quiet -nologo
  dotnet tools/DevHost/bin/Debug/net10.0/Credentials.DevHost.dll --local-settings local.settings.json --urls "http://127.0.0.1:$PORT" &
  pids+=($!)
fi
wait_for_port "$PORT"

echo
echo "Credentials service running at http://127.0.0.1:$PORT/api  (health: http://127.0.0.1:$PORT/api/health)"
echo "Local Authress endpoint at http://127.0.0.1:$AUTHRESS_PORT/ (grants: ${AUTHRESS_GRANTS:-infra/authress/roles.json,infra/authress/examples/sample-callers.json})"
echo "Sandbox OAuth provider at http://127.0.0.1:$SANDBOX_PORT/ (provider id: sandbox; README: Connect an account)"
echo "Caller token: curl -s -X POST http://127.0.0.1:$AUTHRESS_PORT/local/tokens -H 'content-type: application/json' -d '{\"sub\":\"sc_nightly_sync\"}'"
echo "Press Ctrl-C to stop."
# Stop everything as soon as one part stops (bash 3.2 has no `wait -n`).
while :; do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "run.sh: a part of the local stack stopped (pid $pid); stopping the rest." >&2
      exit 1
    fi
  done
  sleep 1
done
