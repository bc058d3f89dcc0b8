#!/usr/bin/env bash
# Deploys Engagement 360 to Azure: the infrastructure (main.bicep), then the Functions app.
#
#   infra-bicep/deploy.sh [--infra-only | --code-only]
#
# Environment:
#   RESOURCE_GROUP            resource group to deploy to (default: rg-engagement360); created when missing
#   LOCATION                  its region when it is created (default: swedencentral; must offer Flex Consumption)
#   ENGAGE_PSEUDONYM_SECRET   set to choose the pseudonym secret; by default one is generated on the first deployment
#                             and kept in Key Vault afterwards (changing it later orphans stored data)
#   ENGAGE_ADMIN_KEY          set to choose or rotate the admin key; by default generated on the first deployment
#   ENGAGE_SMS_WEBHOOK_KEY    set to choose or rotate the ?key= of the events webhook; by default generated on the first deployment
#   ENGAGE_SMS_FROM           the number SMS are sent from (E.164, bought in the Communication Services resource)
#   ENGAGE_CONSENT_FORM_SECRET  set to choose or rotate the secret signing consent form tokens and double opt-in links;
#                             by default generated on the first deployment (rotating it invalidates links already sent)
#   ENGAGE_CAMPAIGN_TRACKING_SECRET  set to choose or rotate the secret signing campaign open pixels and click links;
#                             by default generated on the first deployment (rotating it breaks links already sent)
#   ENGAGE_SMTP_APP_ID, ENGAGE_SMTP_SP_OBJECT_ID, ENGAGE_SMTP_CLIENT_SECRET
#                             the Entra app that sends e-mail over the Communication Services SMTP relay (client id,
#                             its service principal's object id, a client secret); without them e-mail stays off
#
# Needs: az (logged in, with Owner or User Access Administrator on the group for the role assignments), the .NET 10
# SDK with access to the full NuGet feed (the Functions packages), zip, openssl.
set -euo pipefail

RESOURCE_GROUP="${RESOURCE_GROUP:-rg-engagement360}"
LOCATION="${LOCATION:-swedencentral}"
DEPLOYMENT_NAME="engagement360"
MODE="${1:-all}"

case "$MODE" in
  all | --infra-only | --code-only) ;;
  -h | --help)
    sed -n '2,21p' "$0"
    exit 0
    ;;
  *)
    echo "Unknown option '$MODE'. Use --infra-only, --code-only or nothing." >&2
    exit 2
    ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

for tool in az dotnet zip openssl; do
  command -v "$tool" > /dev/null || { echo "deploy.sh needs '$tool' on PATH." >&2; exit 1; }
done

new_secret() {
  # 48 characters from a 64-character alphabet: well over the 16 the app requires.
  openssl rand -base64 64 | tr -d '\n/+=' | cut -c1-48
}

secret_exists() {
  # A control-plane read: tells whether the secret exists without needing data-plane access to the vault.
  local vault="$1" secret="$2"
  az resource show --resource-group "$RESOURCE_GROUP" --namespace Microsoft.KeyVault --parent "vaults/$vault" \
    --resource-type secrets --name "$secret" --query id --output tsv > /dev/null 2>&1
}

sms_function_deployed() {
  local app
  app="$(az resource list --resource-group "$RESOURCE_GROUP" --resource-type Microsoft.Web/sites --query '[0].name' --output tsv 2> /dev/null)"
  [[ -n "$app" ]] && az functionapp function show --resource-group "$RESOURCE_GROUP" --name "$app" --function-name SmsReceived \
    --query id --output tsv > /dev/null 2>&1
}

deploy_infrastructure() {
  echo "==> Resource group $RESOURCE_GROUP ($LOCATION)"
  az group create --name "$RESOURCE_GROUP" --location "$LOCATION" --output none

  local vault generated_admin_key=""
  vault="$(az resource list --resource-group "$RESOURCE_GROUP" --resource-type Microsoft.KeyVault/vaults --query '[0].name' --output tsv)"
  if [[ -z "${ENGAGE_PSEUDONYM_SECRET:-}" ]] && { [[ -z "$vault" ]] || ! secret_exists "$vault" "Ingestion--PseudonymSecret"; }; then
    echo "==> Generating the pseudonym secret (first deployment)"
    ENGAGE_PSEUDONYM_SECRET="$(new_secret)"
  fi
  if [[ -z "${ENGAGE_ADMIN_KEY:-}" ]] && { [[ -z "$vault" ]] || ! secret_exists "$vault" "Admin--Key"; }; then
    echo "==> Generating the admin key (first deployment)"
    ENGAGE_ADMIN_KEY="$(new_secret)"
    generated_admin_key="$ENGAGE_ADMIN_KEY"
  fi
  if [[ -z "${ENGAGE_SMS_WEBHOOK_KEY:-}" ]] && { [[ -z "$vault" ]] || ! secret_exists "$vault" "Sms--WebhookKey"; }; then
    echo "==> Generating the SMS events webhook key (first deployment)"
    ENGAGE_SMS_WEBHOOK_KEY="$(new_secret)"
  fi
  if [[ -z "${ENGAGE_CONSENT_FORM_SECRET:-}" ]] && { [[ -z "$vault" ]] || ! secret_exists "$vault" "Consent--FormSecret"; }; then
    echo "==> Generating the consent form secret (first deployment)"
    ENGAGE_CONSENT_FORM_SECRET="$(new_secret)"
  fi
  if [[ -z "${ENGAGE_CAMPAIGN_TRACKING_SECRET:-}" ]] && { [[ -z "$vault" ]] || ! secret_exists "$vault" "Campaigns--TrackingSecret"; }; then
    echo "==> Generating the campaign tracking secret (first deployment)"
    ENGAGE_CAMPAIGN_TRACKING_SECRET="$(new_secret)"
  fi
  # main.bicepparam reads them with readEnvironmentVariable; empty means "keep what Key Vault holds".
  export ENGAGE_PSEUDONYM_SECRET="${ENGAGE_PSEUDONYM_SECRET:-}"
  export ENGAGE_ADMIN_KEY="${ENGAGE_ADMIN_KEY:-}"
  export ENGAGE_CONSENT_FORM_SECRET="${ENGAGE_CONSENT_FORM_SECRET:-}"
  export ENGAGE_CAMPAIGN_TRACKING_SECRET="${ENGAGE_CAMPAIGN_TRACKING_SECRET:-}"
  export ENGAGE_SMTP_APP_ID="${ENGAGE_SMTP_APP_ID:-}" ENGAGE_SMTP_SP_OBJECT_ID="${ENGAGE_SMTP_SP_OBJECT_ID:-}" ENGAGE_SMTP_CLIENT_SECRET="${ENGAGE_SMTP_CLIENT_SECRET:-}"
  export ENGAGE_SMS_WEBHOOK_KEY="${ENGAGE_SMS_WEBHOOK_KEY:-}"
  # Event Grid refuses a subscription to a function that is not deployed yet: subscribe once SmsReceived exists.
  if sms_function_deployed; then
    export ENGAGE_SMS_EVENT_SUBSCRIPTION=true
  else
    export ENGAGE_SMS_EVENT_SUBSCRIPTION=false
  fi

  echo "==> Deploying infra-bicep/main.bicep"
  az deployment group create \
    --resource-group "$RESOURCE_GROUP" \
    --name "$DEPLOYMENT_NAME" \
    --template-file "$here/main.bicep" \
    --parameters "$here/main.bicepparam" \
    --output none

  if [[ -n "$generated_admin_key" ]]; then
    echo "==> Admin key (shown once; it is kept in Key Vault as Admin--Key): $generated_admin_key"
  fi
}

output() {
  az deployment group show --resource-group "$RESOURCE_GROUP" --name "$DEPLOYMENT_NAME" \
    --query "properties.outputs.$1.value" --output tsv
}

deploy_code() {
  local app work publish_dir package
  app="$(output functionAppName)"
  work="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  publish_dir="$work/publish"
  package="$work/engagement-functions.zip"

  echo "==> Publishing functions/Engagement.Functions (-p:AzureFunctions=true)"
  dotnet publish "$root/functions/Engagement.Functions/Engagement.Functions.csproj" \
    --configuration Release -p:AzureFunctions=true --output "$publish_dir"
  (cd "$publish_dir" && zip -qr "$package" .)

  echo "==> Deploying the package to $app"
  az functionapp deployment source config-zip --resource-group "$RESOURCE_GROUP" --name "$app" --src "$package" --output none

  echo "==> Done: $(output functionAppUrl)  (health: $(output functionAppUrl)/healthz)"
}

if [[ "$MODE" != "--code-only" ]]; then
  deploy_infrastructure
fi
if [[ "$MODE" != "--infra-only" ]]; then
  deploy_code
  if [[ "$MODE" == "all" && "${ENGAGE_SMS_EVENT_SUBSCRIPTION:-false}" != "true" ]]; then
    # First deployment: the SmsReceived function exists only now (once the host has indexed the package), so the
    # reply-SMS subscription can be made.
    echo "==> Waiting for the SmsReceived function, then subscribing it to reply SMS"
    for _ in $(seq 1 20); do
      sms_function_deployed && break
      sleep 15
    done
    deploy_infrastructure
    if [[ "$ENGAGE_SMS_EVENT_SUBSCRIPTION" != "true" ]]; then
      echo "SmsReceived is not listed yet; run 'infra-bicep/deploy.sh --infra-only' in a few minutes to subscribe it to reply SMS." >&2
    fi
  fi
fi
