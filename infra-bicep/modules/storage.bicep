// The storage account of one deployment: the Functions host's own storage (AzureWebJobsStorage: Event Hubs
// checkpoints, leases), the app's data (tables, created by the app at start), and these blob containers:
//   deadletter  what could not be accepted or stored, with the reason
//   stream      claim checks: tracking batches too large for one event (deleted after 7 days, the hubs' retention)
//   models      ML models and their metrics
//   bidlists    bid lists per targeting platform
//   nbo         next-best-offer lists for the CRM and call centre
//   exports     data exports
//   smsevents-deadletter  Communication Services events Event Grid could not deliver to the app
//   app-package the Flex Consumption deployment package
// Shared keys are off: everything, the platform included, authenticates with Entra ID.

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Container the Flex Consumption plan deploys the app package to.')
param deploymentContainerName string

@description('Days a claim-check blob in the stream container is kept; keep it at least the event hubs\' retention.')
param streamRetentionDays int = 7

param tags object = {}

var containerNames = [
  'deadletter'
  'stream'
  'models'
  'bidlists'
  'nbo'
  'exports'
  'smsevents-deadletter'
  deploymentContainerName
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for containerName in containerNames: {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-stream-claim-checks'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                'stream/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: streamRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    containers
  ]
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
