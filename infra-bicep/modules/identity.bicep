// The user-assigned identity the function app runs as: storage, Event Hubs, Key Vault references and
// Application Insights all authenticate with it, so no connection string or key is stored anywhere.

@description('Name of the identity.')
param name string

@description('Azure region.')
param location string

param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
