// The Flex Consumption plan and the function app: .NET 10 isolated worker, running as the user-assigned
// identity, with identity-based connections to storage (AzureWebJobsStorage) and Event Hubs (EventHubConnection).
// App settings = the platform's (below) + the app's own (param appSettings, composed in main.bicep).
// FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are not set: Flex Consumption takes the runtime from
// functionAppConfig and rejects those settings.

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the function app (globally unique: <name>.azurewebsites.net).')
param name string

@description('Azure region.')
param location string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Name of the storage account used as AzureWebJobsStorage.')
param storageAccountName string

@description('Blob endpoint of that account (https://<account>.blob.core.windows.net/).')
param storageBlobEndpoint string

@description('Container the deployment package is uploaded to.')
param deploymentContainerName string

@description('Fully qualified Event Hubs namespace (<namespace>.servicebus.windows.net).')
param eventHubsFullyQualifiedNamespace string

@description('Application Insights connection string.')
param applicationInsightsConnectionString string

@description('The app\'s own settings, name to value (all values strings).')
param appSettings object

@description('More app settings as name/value pairs (for settings whose names are computed, such as array items).')
param extraAppSettings array = []

@description('Most instances the app scales out to.')
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

param tags object = {}

var platformSettings = {
  // Identity-based host storage: blob (checkpoints, leases), queue and table endpoints derive from the account name.
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // The Event Hubs triggers' connection, and the tracking API's producer (same settings).
  EventHubConnection__fullyQualifiedNamespace: eventHubsFullyQualifiedNamespace
  EventHubConnection__credential: 'managedidentity'
  EventHubConnection__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // DefaultAzureCredential's managed identity when no client id is passed explicitly.
  AZURE_CLIENT_ID: identityClientId
}

var namedSettings = [for setting in items(union(platformSettings, appSettings)): {
  name: setting.key
  value: setting.value
}]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings are resolved with the user-assigned identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: concat(namedSettings, extraAppSettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
