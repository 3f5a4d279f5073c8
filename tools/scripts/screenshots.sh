#!/usr/bin/env bash
# Regenerates docs/images/*.png: the pages a person sees while connecting an account, rendered by headless Chromium
# against a local stack (./run.sh). The one-time completion code is redacted before its page is rendered.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHROMIUM="${CHROMIUM_PATH:-chromium}"

shot() { "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=760,520 --screenshot="$1" "$2" >/dev/null 2>&1; }
connect() {   # prints the callback URL the provider redirects the browser to, after consent posted with curl
  local user_token start auth_url
  user_token=$(curl -s -X POST http://127.0.0.1:7072/local/tokens -H 'content-type: application/json' -d '{"sub":"demo-user","kind":"user"}' \
    | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  start=$(curl -s -X POST http://127.0.0.1:7071/api/users/demo-user/connections -H "Authorization: Bearer $user_token" \
    -H 'content-type: application/json' -d '{"provider":"sandbox","scopes":["sandbox.read"]}')
  auth_url=$(echo "$start" | node -pe 'JSON.parse(require("fs").readFileSync(0)).authorizationUrl')
  [ "${1:-}" = consent ] && shot docs/images/consent.png "$auth_url"
  curl -s -o /dev/null -w '%{redirect_url}' "${auth_url%%\?*}" --data "${auth_url#*\?}&sandbox_user=demo&sandbox_decision=approve"
}
with_stack() {   # runs "$@" against a fresh local stack (extra settings from the environment), then stops it
  local log; log=$(mktemp)
  ./run.sh >"$log" 2>&1 & local pid=$!
  for _ in $(seq 1 180); do grep -q "Press Ctrl-C" "$log" && break; sleep 1; done
  "$@" || true
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$log"
}

mkdir -p docs/images
pending_page() {
  local callback html; callback=$(connect consent); html=$(mktemp --suffix=.html)
  curl -s "$callback" | sed 's|<code id="completion">[^<]*</code>|<code id="completion">(one-time code, redacted in this picture)</code>|' >"$html"
  shot docs/images/almost-connected.png "file://$html"; rm -f "$html"
  shot docs/images/not-connected.png "http://127.0.0.1:7071/api/oauth/callback/sandbox?state=expired-or-forged&code=x"
}
connected_page() { shot docs/images/connected.png "$(connect)"; }
with_stack pending_page
Connect__Completion=Callback with_stack connected_page
ls -l docs/images
