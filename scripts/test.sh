#!/usr/bin/env bash
# The README's test command (CI runs exactly this, CPU only):
#   1. idempotent set-up (scripts/setup.sh: ffmpeg, ONNX Runtime, Azurite);
#   2. builds every project of SwapTalk.Functions.sln (warnings are errors in src/), the Functions app included;
#   3. starts Azurite (blob, queue, table) on 127.0.0.1, on free ports, with a throw-away data folder;
#   4. runs every test project, one after the other, and stops Azurite by its PID whatever happens;
#   5. ends with one summary line.
# Extra arguments go to every `dotnet test` (e.g. --filter "FullyQualifiedName~Media").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"

# Tests that need ../shared/data skip where it is absent; in CI it is there and must be used.
if [ "${CI:-}" = "true" ] && [ -z "${SWAPTALK_SHARED_DATA:-}" ] && [ ! -d "$root/../shared/data" ]; then
  echo "test: CI=true but ../shared/data is absent beside $root; the data-driven tests would only skip" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The Durable test host logs every gRPC call at Information; warnings are what a reader needs.
export Logging__LogLevel__Default="${Logging__LogLevel__Default:-Warning}"

echo "test: building SwapTalk.Functions.sln (Release)"
dotnet build "$root/SwapTalk.Functions.sln" -c Release --nologo -v:q -clp:ErrorsOnly

# --- Azurite: one node process, owned by this script --------------------------------------------------------
azurite_js="$root/tools/azurite/node_modules/azurite/dist/src/azurite.js"
[ -f "$azurite_js" ] || { echo "test: $azurite_js is missing; scripts/setup.sh installs it" >&2; exit 1; }
free_ports() {  # three ports the kernel says are free right now (bound to 0, then released)
  node -e 'const net=require("net");const ps=[];let n=0;for(let i=0;i<3;i++){const s=net.createServer();s.listen(0,"127.0.0.1",()=>{ps[i]=s.address().port;s.close();if(++n===3)console.log(ps.join(" "));});}'
}
read -r blob_port queue_port table_port < <(free_ports)
azurite_data="$(mktemp -d "${TMPDIR:-/tmp}/swaptalk-azurite.XXXXXX")"
azurite_log="$azurite_data.log"
node "$azurite_js" --silent --disableTelemetry --skipApiVersionCheck --location "$azurite_data" \
  --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" \
  --tableHost 127.0.0.1 --tablePort "$table_port" >"$azurite_log" 2>&1 &
azurite_pid=$!
stop_azurite() {
  kill "$azurite_pid" 2>/dev/null || true
  wait "$azurite_pid" 2>/dev/null || true
  rm -rf "$azurite_data" "$azurite_log"
}
trap stop_azurite EXIT
trap 'exit 130' INT TERM

for port in "$blob_port" "$queue_port" "$table_port"; do
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$azurite_pid" 2>/dev/null || { echo "test: Azurite exited at start:" >&2; cat "$azurite_log" >&2; exit 1; }
    sleep 0.1
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "test: Azurite does not listen on 127.0.0.1:$port" >&2; exit 1; }
done
# The emulator's well-known development account (public, documented; not a secret).
account_key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export SWAPTALK_AZURITE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$account_key;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue_port/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table_port/devstoreaccount1;"
# Started here, so a test that cannot reach it fails instead of skipping.
export SWAPTALK_REQUIRE_AZURITE=1
echo "test: Azurite $(cat "$root/tools/azurite/version") on 127.0.0.1:$blob_port/$queue_port/$table_port (pid $azurite_pid)"

# --- every test project ---------------------------------------------------------------------------------------
summary=()
failed=0
counts="$(mktemp)"
for project in "$root"/tests/*/*.csproj; do
  grep -q '<IsTestProject>true</IsTestProject>' "$project" || continue
  name="$(basename "$project" .csproj)"
  echo "test: running $name"
  # tee keeps the runner's output live; its totals ("Passed: N", "Failed: N", "Skipped: N") feed the closing line.
  if dotnet test "$project" -c Release --no-build --nologo --logger "console;verbosity=normal" "$@" | tee -a "$counts"; then
    summary+=("$name passed")
  else
    summary+=("$name FAILED")
    failed=1
  fi
done
IFS=','; echo "test: ${summary[*]}" | sed 's/,/, /g'; unset IFS
total() { { grep -E "^ +$1: [0-9]+$" "$counts" || true; } | awk '{ n += $2 } END { print n + 0 }'; }
passed="$(total Passed)"; failures="$(total Failed)"; skipped="$(total Skipped)"
rm -f "$counts"
[ "$passed" -gt 0 ] || { echo "test: no test ran" >&2; failed=1; }
echo "test: $passed passed, $failures failed, $skipped skipped"
exit "$failed"
