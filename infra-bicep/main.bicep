// Engagement 360 on Azure: everything one deployment needs, in one resource group.
// Deploy with ./deploy.sh (which also publishes the Functions app); see docs-azure.md.
targetScope = 'resourceGroup'

@description('Short lowercase prefix of every resource name (letters and digits).')
@minLength(2)
@maxLength(10)
param namePrefix string = 'eng360'

@description('Azure region of all resources (Flex Consumption must be offered there).')
param location string = resourceGroup().location

@description('Tags of all resources.')
param tags object = {
  application: 'engagement360'
}

// ---- Scale ----------------------------------------------------------------------------------------------------------

@description('Partitions of the web-events hub: the most instances that ingest at once. Fixed once created.')
@minValue(1)
@maxValue(32)
param webEventsPartitions int = 8

@description('Partitions of the ad-events hub.')
@minValue(1)
@maxValue(32)
param adEventsPartitions int = 4

@description('Event Hubs throughput units to start with; auto-inflate grows to eventHubsMaximumThroughputUnits.')
@minValue(1)
@maxValue(40)
param eventHubsCapacity int = 1

@minValue(1)
@maxValue(40)
param eventHubsMaximumThroughputUnits int = 10

@description('Most instances of the function app.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of one instance, MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

// ---- Secrets (written to Key Vault only when given; deploy.sh generates them on the first deployment) --------------

@secure()
@description('Keyed-hash secret of pseudonymous storage keys (at least 16 characters). Empty keeps the stored one. Never change it once data is stored.')
param pseudonymSecret string = ''

@secure()
@description('The X-Admin-Key of management calls (at least 16 characters). Empty keeps the stored one.')
param adminKey string = ''

// ---- The app's settings (the same keys the self-hosted runtime reads from appsettings.json) -------------------------

@description('Origins of web pages allowed to send tracking calls; empty allows any.')
param trackingAllowedOrigins array = []

@description('Largest single event, bytes.')
param trackingMaxEventBytes int = 32768

@description('Largest request body after decompression, bytes.')
param trackingMaxRequestBytes int = 512000

@description('Most messages in one batch call.')
param trackingMaxBatchEvents int = 2500

@description('Deepest JSON nesting of a tracking call.')
param trackingMaxJsonDepth int = 32

@description('Events per second one source may send before it is answered 429 (per instance).')
param trackingEventsPerSecondPerSource int = 5000

@description('Events a source may send in a burst above its rate (per instance).')
param trackingBurstEventsPerSource int = 20000

@description('User partitions ingestion writes at once.')
param ingestionMaxConcurrency int = 32

@description('Activity rows ingestion keeps in memory per instance.')
param ingestionActivityCacheSize int = 10000

@description('Deliveries of a stream message before it is dead-lettered.')
param ingestionMaxDeliveries int = 5

@description('Source name ad-server records are attributed to.')
param adFeedSourceId string = 'ad-server'

@description('Host (and port) browsers reach the tracking API at, e.g. a custom domain or Front Door; empty: the host each request came to.')
param trackingPublicApiHost string = ''

@description('When claim-check payloads older than 7 days are deleted (six-field NCRONTAB, UTC).')
param cleanupStreamPayloadsSchedule string = '0 30 3 * * *'

@description('Consumer group of the function app\'s Event Hubs triggers.')
param eventHubsConsumerGroup string = 'ingestion'

// ---- Names ---------------------------------------------------------------------------------------------------------

var token = uniqueString(resourceGroup().id, namePrefix)
var names = {
  identity: 'id-${namePrefix}-${token}'
  storage: take(toLower('st${namePrefix}${token}'), 24)
  eventHubs: 'evhns-${namePrefix}-${token}'
  keyVault: take('kv-${namePrefix}-${token}', 24)
  workspace: 'log-${namePrefix}-${token}'
  applicationInsights: 'appi-${namePrefix}-${token}'
  plan: 'plan-${namePrefix}-${token}'
  functionApp: 'func-${namePrefix}-${token}'
}
var deploymentContainerName = 'app-package'

// ---- Resources -----------------------------------------------------------------------------------------------------

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: names.workspace
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    deploymentContainerName: deploymentContainerName
    tags: tags
  }
}

module eventHubs 'modules/eventhubs.bicep' = {
  name: 'eventhubs'
  params: {
    name: names.eventHubs
    location: location
    consumerGroupName: eventHubsConsumerGroup
    webEventsPartitions: webEventsPartitions
    adEventsPartitions: adEventsPartitions
    capacity: eventHubsCapacity
    maximumThroughputUnits: eventHubsMaximumThroughputUnits
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.keyVault
    location: location
    pseudonymSecret: pseudonymSecret
    adminKey: adminKey
    tags: tags
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    eventHubsNamespaceName: eventHubs.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

// Every key the app binds (Options classes in shared/, section__property); tests/Engagement.Functions.Tests checks
// that none is missing. Storage__ConnectionString is deliberately absent: in Azure the account is reached with the
// managed identity, and a connection string would win over Storage__AccountName.
var engagementSettings = {
  Storage__AccountName: storage.outputs.name
  Storage__ManagedIdentityClientId: identity.outputs.clientId

  Ingestion__PseudonymSecret: keyVault.outputs.pseudonymSecretReference
  Ingestion__MaxConcurrency: string(ingestionMaxConcurrency)
  Ingestion__ActivityCacheSize: string(ingestionActivityCacheSize)
  Ingestion__MaxDeliveries: string(ingestionMaxDeliveries)
  // The self-hosted stream queue: unused as a stream in Azure, but created at start and probed by /healthz.
  Ingestion__QueueName: 'web-events'
  Ingestion__QueueBatchSize: '32'

  Tracking__MaxEventBytes: string(trackingMaxEventBytes)
  Tracking__MaxRequestBytes: string(trackingMaxRequestBytes)
  Tracking__MaxBatchEvents: string(trackingMaxBatchEvents)
  Tracking__MaxJsonDepth: string(trackingMaxJsonDepth)
  Tracking__EventsPerSecondPerSource: string(trackingEventsPerSecondPerSource)
  Tracking__BurstEventsPerSource: string(trackingBurstEventsPerSource)

  Admin__Key: keyVault.outputs.adminKeyReference

  AdFeed__SourceId: adFeedSourceId

  // The settings analytics-next loads point browsers here.
  Tracking__PublicApiHost: trackingPublicApiHost
  Tracking__PublicApiScheme: 'https'

  // %Schedules:…% in the timer functions (six-field NCRONTAB, UTC).
  Schedules__CleanupStreamPayloads: cleanupStreamPayloadsSchedule

  // %EventHubs:ConsumerGroup% in both Event Hubs triggers.
  EventHubs__ConsumerGroup: eventHubsConsumerGroup
}

// Tracking:AllowedOrigins is an array: one setting per item (Tracking__AllowedOrigins__0, __1, ...).
var allowedOriginSettings = [for (origin, i) in trackingAllowedOrigins: {
  name: 'Tracking__AllowedOrigins__${i}'
  value: origin
}]

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    planName: names.plan
    name: names.functionApp
    location: location
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    eventHubsFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    appSettings: engagementSettings
    extraAppSettings: allowedOriginSettings
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    tags: tags
  }
  // The app resolves Key Vault references and reaches storage and Event Hubs at its first start.
  dependsOn: [
    roles
  ]
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output storageAccountName string = storage.outputs.name
output eventHubsNamespace string = eventHubs.outputs.name
output keyVaultName string = keyVault.outputs.name
