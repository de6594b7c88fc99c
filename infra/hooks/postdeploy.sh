#!/bin/sh
# azd postdeploy hook: subscribe inbox manifests to the Functions blob trigger (Event Grid source).
# Runs after the image is deployed because Event Grid validates the webhook when the subscription is
# created, and the host's blobs_extension system key exists only once the host has started with the
# blob trigger. The key goes to ARM through a mode-600 temporary parameters file and is never printed.
set -eu

function_name="InboxManifest"   # HostFunctionNames.InboxManifest in src/SwapTalk.Functions
root="$(cd "$(dirname "$0")/../.." && pwd)"
template="$root/bicep/modules/eventgrid-subscription.bicep"

fail() { echo "postdeploy: $*" >&2; exit 1; }

for name in AZURE_RESOURCE_GROUP SERVICE_FUNCTIONS_NAME FUNCTIONS_HOSTNAME EVENTGRID_SYSTEM_TOPIC_NAME INBOX_CONTAINER; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || fail "$name is not set; run 'azd provision' first (it is a bicep/main.bicep output)"
done
command -v az >/dev/null || fail "the Azure CLI (az) is required to create the Event Grid subscription"
[ -f "$template" ] || fail "$template is missing"

read_key() {
  # The shape of the keys output is not documented for Container Apps; accept a single value, a map
  # keyed by key name, or a list of {name, value}.
  az containerapp function keys show --resource-group "$AZURE_RESOURCE_GROUP" --name "$SERVICE_FUNCTIONS_NAME" \
      --key-type systemKey --key-name blobs_extension --query value -o tsv 2>/dev/null \
  || az containerapp function keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$SERVICE_FUNCTIONS_NAME" \
      --key-type systemKey --query "blobs_extension || [?name=='blobs_extension'].value | [0]" -o tsv 2>/dev/null \
  || true
}

key=""
attempt=1
while [ "$attempt" -le 20 ]; do
  key="$(read_key)"
  [ -n "$key" ] && break
  echo "postdeploy: waiting for the Functions host to create its blobs_extension key (attempt $attempt of 20)"
  # Any request wakes a replica that scaled to zero; the response itself does not matter.
  curl -s -o /dev/null --max-time 30 "https://$FUNCTIONS_HOSTNAME/" || true
  sleep 15
  attempt=$((attempt + 1))
done
[ -n "$key" ] || fail "no blobs_extension system key on $SERVICE_FUNCTIONS_NAME after 20 attempts; is a blob trigger named $function_name deployed? Check: az containerapp function keys list -g $AZURE_RESOURCE_GROUP -n $SERVICE_FUNCTIONS_NAME --key-type systemKey"

params="$(umask 077 && mktemp)"
trap 'rm -f "$params"' EXIT INT TERM
cat >"$params" <<JSON
{
  "\$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "systemTopicName": { "value": "$EVENTGRID_SYSTEM_TOPIC_NAME" },
    "inboxContainerName": { "value": "$INBOX_CONTAINER" },
    "webhookUrl": { "value": "https://$FUNCTIONS_HOSTNAME/runtime/webhooks/blobs?functionName=Host.Functions.$function_name&code=$key" }
  }
}
JSON

echo "postdeploy: subscribing /blobServices/default/containers/$INBOX_CONTAINER/blobs/*.json to $function_name"
az deployment group create --resource-group "$AZURE_RESOURCE_GROUP" --name swaptalk-inbox-events \
  --template-file "$template" --parameters "@$params" --only-show-errors -o none \
  || fail "the Event Grid subscription deployment failed (see the message above)"
echo "postdeploy: inbox subscription ready"
