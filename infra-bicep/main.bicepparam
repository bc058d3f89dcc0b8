using './main.bicep'

// Names: every resource is named <kind>-<namePrefix>-<hash of the resource group>.
param namePrefix = 'eng360'

// Scale.
param webEventsPartitions = 8
param adEventsPartitions = 4
param eventHubsCapacity = 1
param eventHubsMaximumThroughputUnits = 10
param maximumInstanceCount = 100
param instanceMemoryMB = 2048

// Secrets come from deploy.sh (generated on the first deployment, empty afterwards so Key Vault keeps its values).
param pseudonymSecret = readEnvironmentVariable('ENGAGE_PSEUDONYM_SECRET', '')
param adminKey = readEnvironmentVariable('ENGAGE_ADMIN_KEY', '')
param smsWebhookKey = readEnvironmentVariable('ENGAGE_SMS_WEBHOOK_KEY', '')

// SMS: the sending number (buy one with SMS in the Communication Services resource, then set ENGAGE_SMS_FROM=+420…),
// and whether the SmsReceived function is subscribed to reply SMS (deploy.sh sets it once the function is deployed).
param smsFrom = readEnvironmentVariable('ENGAGE_SMS_FROM', '')
param smsEventSubscription = bool(readEnvironmentVariable('ENGAGE_SMS_EVENT_SUBSCRIPTION', 'false'))

// Contacts: national numbers without a prefix are Czech; nothing rests on legitimate interest unless listed here.
param contactsDefaultCountryCode = '420'
param contactsLegitimateInterest = []

param consentFormSecret = readEnvironmentVariable('ENGAGE_CONSENT_FORM_SECRET', '')
param campaignTrackingSecret = readEnvironmentVariable('ENGAGE_CAMPAIGN_TRACKING_SECRET', '')

// E-mail (double opt-in) over the Communication Services SMTP relay, as an Entra app: its client id, its service
// principal's object id (for its role) and a client secret. Without an app id, e-mail stays off.
param smtpEntraAppId = readEnvironmentVariable('ENGAGE_SMTP_APP_ID', '')
param smtpServicePrincipalId = readEnvironmentVariable('ENGAGE_SMTP_SP_OBJECT_ID', '')
param smtpClientSecret = readEnvironmentVariable('ENGAGE_SMTP_CLIENT_SECRET', '')

// Portals and websites that show the consent form, e.g. ['https://portal.example.com']; empty: trackingAllowedOrigins.
param consentAllowedOrigins = []

// Web pages allowed to send tracking calls, e.g. ['https://www.example.com']; empty allows any.
param trackingAllowedOrigins = []

param adFeedSourceId = 'ad-server'
param eventHubsConsumerGroup = 'ingestion'
