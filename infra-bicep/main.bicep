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

@secure()
@description('The ?key= of the Communication Services events webhook (at least 16 characters). Empty keeps the stored one.')
param smsWebhookKey string = ''

@secure()
@description('Secret signing consent form subject tokens and double opt-in links (at least 32 characters). Empty keeps the stored one.')
param consentFormSecret string = ''

@secure()
@description('Secret signing campaign open pixels and click links (at least 32 characters). Empty keeps the stored one.')
param campaignTrackingSecret string = ''

@description('Clicks sooner than this after delivery are taken for a scanner\'s (TimeSpan).')
param campaignQuickClickWindow string = '00:00:10'

@description('The track event counted as a campaign conversion.')
param campaignConversionEvent string = 'Order Completed'

@description('A conversion is credited to a campaign when it comes within this long after a click (TimeSpan).')
param campaignAttributionWindow string = '7.00:00:00'

@description('Contacts with no event and no contact given for this many months are left out of campaigns; 0: nobody is.')
@minValue(0)
@maxValue(240)
param campaignInactiveMonths int = 12

@description('Campaign e-mails a contact may get in any 24 hours, across campaigns; 0: no daily cap.')
@minValue(0)
@maxValue(1000)
param campaignMaxPerDay int = 1

@description('Campaign e-mails a contact may get in any 7 days, across campaigns; 0: no weekly cap.')
@minValue(0)
@maxValue(1000)
param campaignMaxPerWeek int = 3

@description('Soft bounces of one recipient in a row (since their last delivered e-mail) that count as a hard bounce; 0: soft bounces never suppress.')
@minValue(0)
@maxValue(100)
param deliverySoftBounceLimit int = 5

@description('How long a bounce suppresses e-mail to the recipient, days; 0: until lifted by hand (complaints always suppress until lifted).')
@minValue(0)
@maxValue(3650)
param deliveryBounceSuppressionDays int = 180

@secure()
@description('Client secret of the Entra app that sends e-mail over the Communication Services SMTP relay. Empty keeps the stored one.')
param smtpClientSecret string = ''

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

@description('When the goal models are retrained from stored journeys (six-field NCRONTAB, UTC).')
param retrainModelsSchedule string = '0 0 2 * * *'

@description('When people are scored and bid lists and next-best-offer lists are published (six-field NCRONTAB, UTC).')
param publishScoresSchedule string = '0 15 * * * *'

@description('Goals the models learn: name, kind (Click, Conversion, VisibleSeconds), eventName, products, minVisibleSeconds, productFamily.')
param modelGoals array = [
  { name: 'order', kind: 'Conversion', eventName: 'Order Completed', products: [], minVisibleSeconds: 0, productFamily: '' }
]

@description('Targeting platforms receiving bid lists: name, delimiter, header, idKind (UserId, AnonymousId, ProfileKey), decimals.')
param bidPlatforms array = [
  { name: 'default', delimiter: ';', header: false, idKind: 'UserId', decimals: 2 }
]

@description('Trainers compared on every training run.')
param modelTrainers array = [
  'LightGbm'
  'FastTree'
  'LogisticRegression'
]

@description('Days events are kept before the nightly purge deletes them.')
@minValue(1)
@maxValue(3650)
param eventRetentionDays int = 395

@description('Purposes consent is recorded for.')
param consentPurposes array = [
  'marketing'
  'profiling'
  'ad-personalisation'
  'third-party-sharing'
]

@description('Lawful basis for ad personalisation assumed for people with nothing recorded: Denied (no bid) or Granted.')
@allowed([
  'Denied'
  'Granted'
])
param adPersonalisationDefault string = 'Denied'

@description('The number SMS are sent from (E.164, bought in the Communication Services resource with SMS enabled); empty: SMS are not sent.')
param smsFrom string = ''

@description('Subscribe the SmsReceived function to reply SMS and e-mail delivery and engagement reports. Event Grid needs the function deployed first: deploy.sh sets this once the code is there.')
param smsEventSubscription bool = false

@description('How long after a consent request SMS a reply ANO/NE still answers it (d.hh:mm:ss).')
param smsReplyWindow string = '30.00:00:00'

@description('Country calling code national phone numbers get (777 123 456 -> +420777123456).')
param contactsDefaultCountryCode string = '420'

@description('Purposes (purpose or purpose/Channel, e.g. marketing/Email) that may rest on legitimate interest when nothing is recorded; empty: consent needed for everything.')
param contactsLegitimateInterest array = []

@description('The name consent pages and e-mails speak in (the company\'s or the product\'s).')
param consentProductName string = 'Engagement 360'

@description('Where people reach the consent pages (https://host), e.g. a custom domain; empty: the host each request came to.')
param consentPublicBaseUrl string = ''

@description('Origins of portals and websites that show the consent form; empty: those of trackingAllowedOrigins (any when both are empty).')
param consentAllowedOrigins array = []

@description('Proxies in front of the app beyond App Service\'s own front end (e.g. 1 behind Front Door): the worker already takes the address the front end saw.')
@minValue(0)
@maxValue(10)
param consentTrustedProxyCount int = 0

@description('How long a subject token handed to the consent form is accepted (d.hh:mm:ss).')
param consentFormTokenValidity string = '01:00:00'

@description('How long a double opt-in link is accepted (d.hh:mm:ss).')
param consentConfirmLinkValidity string = '7.00:00:00'

@description('Application (client) id of the Entra app that sends over the SMTP relay; empty: e-mail is off (requests are answered 503).')
param smtpEntraAppId string = ''

@description('Object id of that app\'s service principal, to give it its role on the Communication Services resource; empty: assign it by hand.')
param smtpServicePrincipalId string = ''

@description('Sender address; empty: DoNotReply@ the Azure-managed domain.')
param emailFrom string = ''

@description('Sender display name.')
param emailFromName string = 'Engagement 360'

@description('Campaign e-mails a second handed to the relay at most (the Communication Services quota of the resource; raise it with the quota); 0: no limit.')
param emailMaxPerSecond string = '0.5'

@description('How campaign e-mail leaves: Smtp (the relay) or CommunicationServices (the Email REST API, whose operation ids make a repeated send a no-op).')
@allowed([
  'Smtp'
  'CommunicationServices'
])
param emailTransport string = 'Smtp'

@description('SMTP connections campaign sending keeps open to the relay.')
@minValue(1)
@maxValue(64)
param smtpConnections int = 4

@description('Where Communication Services keeps e-mail data at rest.')
param emailDataLocation string = 'Europe'

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
  communication: 'acs-${namePrefix}-${token}'
  emailService: 'ecs-${namePrefix}-${token}'
  smsEvents: 'evgt-acs-${namePrefix}-${token}'
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
    smsWebhookKey: smsWebhookKey
    consentFormSecret: consentFormSecret
    campaignTrackingSecret: campaignTrackingSecret
    smtpPassword: smtpClientSecret
    tags: tags
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  params: {
    communicationName: names.communication
    emailServiceName: names.emailService
    dataLocation: emailDataLocation
    smtpServicePrincipalId: smtpServicePrincipalId
    keyVaultName: keyVault.outputs.name
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

  // Workflows run on Durable Functions in Azure: these set how commands (activities) are retried. The queue and
  // polling settings belong to the self-hosted runtime; the queue is still created at start.
  Workflows__MaxAttempts: '5'
  Workflows__FirstRetryDelay: '00:00:05'
  Workflows__MaxRetryDelay: '00:05:00'
  Workflows__QueueName: 'workflow-work'
  Workflows__Concurrency: '8'
  Workflows__LeaseTime: '00:01:00'
  Workflows__ResumeEvery: '00:05:00'
  Workflows__HistoryInView: '50'

  AdFeed__SourceId: adFeedSourceId

  // The settings analytics-next loads point browsers here.
  Tracking__PublicApiHost: trackingPublicApiHost
  Tracking__PublicApiScheme: 'https'

  // %Schedules:…% in the timer functions (six-field NCRONTAB, UTC).
  Schedules__CleanupStreamPayloads: cleanupStreamPayloadsSchedule
  Schedules__PurgeOldEvents: '0 45 1 * * *'
  Schedules__RetrainModels: retrainModelsSchedule
  Schedules__PublishScores: publishScoresSchedule
  Schedules__StartBirthdayTriggers: '0 5 0 * * *'

  // Triggered e-mails: signals from ingestion, the birthday scan and score publishing travel on this Storage queue,
  // which the TriggerSignals function (QueueTrigger, AzureWebJobsStorage) works. Concurrency is the self-hosted worker's.
  Triggers__SignalQueueName: 'trigger-signals'
  Triggers__RefreshEvery: '00:01:00'
  Triggers__Concurrency: '4'
  Triggers__MaxDeliveries: '5'

  // Models: training, champion choice and lists (goals, platforms and trainers are arrays, set item by item below).
  Models__BidGoal: modelGoals[0].name
  Models__Horizon: '1.00:00:00'
  Models__TrainingDays: '28'
  Models__HoldoutDays: '1'
  Models__ScoringDays: '7'
  Models__MinAucGain: '0.005'
  Models__Seed: '1'
  Models__BaseBid: '1.0'
  Models__BidFloor: '0.1'
  Models__BidCap: '5.0'
  Models__DomainMinAudience: '30'
  Models__AdPersonalisationDefault: adPersonalisationDefault

  // Interests: the built-in Czech and English taxonomy and intent rules unless files are deployed with the app.
  Retention__EventDays: string(eventRetentionDays)

  Interests__HalfLife: '14.00:00:00'
  Interests__MaxEvidence: '5'
  Interests__MinScore: '0.05'
  Interests__HalfScoreEvidence: '2'
  Interests__TaxonomyFile: ''
  Interests__IntentRulesFile: ''

  // SMS through Communication Services: the connection string lives only in Key Vault (written by communication.bicep).
  Sms__ConnectionString: communication.outputs.smsConnectionStringReference
  Sms__From: smsFrom
  Sms__WebhookKey: keyVault.outputs.smsWebhookKeyReference
  Sms__ReplyWindow: smsReplyWindow
  Sms__MaxAttempts: '4'
  Sms__DeliveryReports: 'true'

  // Contacts: national numbers and where legitimate interest may stand in for consent (items set below).
  Contacts__DefaultCountryCode: contactsDefaultCountryCode

  // Consent texts, the consent form, double opt-in links (Consent:Purposes and AllowedOrigins are arrays, below).
  Consent__TextsFile: ''
  Consent__FormSecret: keyVault.outputs.consentFormSecretReference
  Consent__FormTokenValidity: consentFormTokenValidity
  Consent__ConfirmLinkValidity: consentConfirmLinkValidity
  Consent__TrustedProxyCount: string(consentTrustedProxyCount)
  Consent__ProductName: consentProductName
  Consent__PublicBaseUrl: consentPublicBaseUrl

  // Campaign open and click tracking: the secret signing pixels and click links, and the scanners' quick-click window.
  Campaigns__TrackingSecret: keyVault.outputs.campaignTrackingSecretReference
  Campaigns__QuickClickWindow: campaignQuickClickWindow
  Campaigns__ConversionEvent: campaignConversionEvent
  Campaigns__AttributionWindow: campaignAttributionWindow

  // Campaign audiences and sending: inactivity, the frequency cap across campaigns, and how long a claimed send is held.
  Campaigns__InactiveMonths: string(campaignInactiveMonths)
  Campaigns__FrequencyCap__MaxPerDay: string(campaignMaxPerDay)
  Campaigns__FrequencyCap__MaxPerWeek: string(campaignMaxPerWeek)
  Campaigns__ClaimLeaseMinutes: '15'
  // Campaign runs: recipients per send batch (one activity each), attempts per command, and the wait between them.
  Campaigns__Run__BatchSize: '500'
  Campaigns__Run__MaxAttempts: '3'
  Campaigns__Run__RetryAfterSeconds: '300'

  // E-mail delivery reports (Event Grid): when bounces suppress e-mail to a recipient, and for how long.
  DeliveryReports__SoftBounceLimit: string(deliverySoftBounceLimit)
  DeliveryReports__BounceSuppressionDays: string(deliveryBounceSuppressionDays)

  // E-mail over the Communication Services SMTP relay as the Entra app (off until smtpEntraAppId is given).
  Email__From: empty(emailFrom) ? communication.outputs.senderAddress : emailFrom
  Email__FromName: emailFromName
  Email__Smtp__Host: empty(smtpEntraAppId) ? '' : 'smtp.azurecomm.net'
  Email__Smtp__Port: '587'
  Email__Smtp__Security: 'StartTls'
  Email__Smtp__UserName: empty(smtpEntraAppId) ? '' : '${communication.outputs.name}.${smtpEntraAppId}.${tenant().tenantId}'
  Email__Smtp__Password: empty(smtpEntraAppId) ? '' : keyVault.outputs.smtpClientSecretReference
  Email__Smtp__TimeoutSeconds: '30'
  Email__Smtp__Connections: string(smtpConnections)
  // Campaign sending: the relay's rate, and retries of "try later" (4xx, dropped connections) with backoff.
  Email__MaxPerSecond: emailMaxPerSecond
  Email__Transport: emailTransport
  // The Email REST API signs with the same Communication Services resource key as SMS.
  Email__CommunicationServices__ConnectionString: communication.outputs.smsConnectionStringReference
  Email__Retry__MaxAttempts: '5'
  Email__Retry__BaseDelayMilliseconds: '500'
  Email__Retry__MaxDelaySeconds: '30'

  // %EventHubs:ConsumerGroup% in both Event Hubs triggers.
  EventHubs__ConsumerGroup: eventHubsConsumerGroup
}

// Tracking:AllowedOrigins is an array: one setting per item (Tracking__AllowedOrigins__0, __1, ...).
var allowedOriginSettings = [for (origin, i) in trackingAllowedOrigins: {
  name: 'Tracking__AllowedOrigins__${i}'
  value: origin
}]

// Models:Goals, Models:Platforms and Models:Trainers are arrays of objects: one setting per item and property.
var goalSettings = flatten(map(range(0, length(modelGoals)), i => concat([
  { name: 'Models__Goals__${i}__Name', value: modelGoals[i].name }
  { name: 'Models__Goals__${i}__Kind', value: modelGoals[i].kind }
  { name: 'Models__Goals__${i}__EventName', value: modelGoals[i].eventName }
  { name: 'Models__Goals__${i}__MinVisibleSeconds', value: string(modelGoals[i].minVisibleSeconds) }
  { name: 'Models__Goals__${i}__ProductFamily', value: modelGoals[i].productFamily }
], map(range(0, length(modelGoals[i].products)), j => { name: 'Models__Goals__${i}__Products__${j}', value: modelGoals[i].products[j] }))))
var platformSettings = flatten(map(range(0, length(bidPlatforms)), i => [
  { name: 'Models__Platforms__${i}__Name', value: bidPlatforms[i].name }
  { name: 'Models__Platforms__${i}__Delimiter', value: bidPlatforms[i].delimiter }
  { name: 'Models__Platforms__${i}__Header', value: string(bidPlatforms[i].header) }
  { name: 'Models__Platforms__${i}__IdKind', value: bidPlatforms[i].idKind }
  { name: 'Models__Platforms__${i}__Decimals', value: string(bidPlatforms[i].decimals) }
]))
var consentPurposeSettings = [for (purpose, i) in consentPurposes: {
  name: 'Consent__Purposes__${i}'
  value: purpose
}]
var legitimateInterestSettings = [for (purpose, i) in contactsLegitimateInterest: {
  name: 'Contacts__LegitimateInterest__${i}'
  value: purpose
}]
var consentOriginSettings = [for (origin, i) in consentAllowedOrigins: {
  name: 'Consent__AllowedOrigins__${i}'
  value: origin
}]
var trainerSettings = [for (trainer, i) in modelTrainers: {
  name: 'Models__Trainers__${i}'
  value: trainer
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
    extraAppSettings: concat(allowedOriginSettings, goalSettings, platformSettings, trainerSettings, consentPurposeSettings, consentOriginSettings, legitimateInterestSettings)
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    tags: tags
  }
  // The app resolves Key Vault references and reaches storage and Event Hubs at its first start.
  dependsOn: [
    roles
  ]
}

// Reply SMS and e-mail delivery and engagement reports: the system topic always, the subscription once the
// SmsReceived function exists (see smsevents.bicep).
module smsEvents 'modules/smsevents.bicep' = {
  name: 'smsevents'
  params: {
    communicationName: communication.outputs.name
    systemTopicName: names.smsEvents
    functionAppName: functionApp.outputs.name
    storageAccountName: storage.outputs.name
    subscribe: smsEventSubscription
    tags: tags
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output storageAccountName string = storage.outputs.name
output eventHubsNamespace string = eventHubs.outputs.name
output keyVaultName string = keyVault.outputs.name
output communicationServicesName string = communication.outputs.name
