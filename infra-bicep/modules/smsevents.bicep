// Communication Services events into the app: an Event Grid system topic on the Communication Services resource, and
// a subscription that delivers reply SMS (Microsoft.Communication.SMSReceived) and e-mail delivery and engagement
// reports (Microsoft.Communication.EmailDeliveryReportReceived, EmailEngagementTrackingReportReceived) to the
// SmsReceived function (an EventGridTrigger), which records each by type. The subscription keeps its first name so a
// deployment made before e-mail events came is updated in place rather than joined by a second subscription.
//
// Why the function and not a StorageQueue: replies then take the same path as in every other Azure deployment of
// Event Grid (retry with back-off for 24 hours, then dead-letter), with no queue trigger and no second copy of the
// event format to keep. The cost is deploy ordering: Event Grid checks that the function exists when the
// subscription is created, so `subscribe` is false until the code is deployed; deploy.sh deploys the infrastructure,
// then the code, then the infrastructure again with the subscription (and passes true on later runs once the
// function exists).

@description('Name of the Communication Services resource whose events are subscribed to.')
param communicationName string

@description('Name of the system topic.')
param systemTopicName string

@description('Name of the function app.')
param functionAppName string

@description('Name of the EventGridTrigger function that handles the events.')
param functionName string = 'SmsReceived'

@description('The storage account of the dead-letter container.')
param storageAccountName string

@description('Container events that could not be delivered are written to.')
param deadLetterContainerName string = 'smsevents-deadletter'

@description('Create the subscription (the function must already be deployed).')
param subscribe bool

param tags object = {}

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource communication 'Microsoft.Communication/communicationServices@2025-05-01' existing = {
  name: communicationName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: systemTopicName
  // Communication Services is a global resource: so is its system topic.
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: communication.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

// The topic writes dead letters with its own identity: storage keys are off.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, systemTopic.id, storageBlobDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource smsReceived 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = if (subscribe) {
  parent: systemTopic
  name: 'sms-received'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionApp.id}/functions/${functionName}'
        // One event per invocation: the trigger binds one event's JSON.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.SMSReceived'
        'Microsoft.Communication.EmailDeliveryReportReceived'
        'Microsoft.Communication.EmailEngagementTrackingReportReceived'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
  dependsOn: [
    deadLetterWriter
  ]
}

output systemTopicName string = systemTopic.name
