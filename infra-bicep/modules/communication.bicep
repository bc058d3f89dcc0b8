// Azure Communication Services: e-mail and SMS.
// E-mail: an Email Communication Service with an Azure-managed domain (DoNotReply@<guid>.azurecomm.net; add a custom
// domain in the portal for production volumes), linked to the Communication Services resource. The app sends over its
// SMTP relay (smtp.azurecomm.net:587, STARTTLS) as an Entra app: user name <resource>.<app id>.<tenant id>, password
// the app's client secret (Key Vault: Email--Smtp--Password).
// SMS: the same resource sends consent requests and campaigns and receives replies. Its connection string (endpoint +
// access key, which SMS requests are signed with) goes straight into Key Vault as Sms--ConnectionString; nothing else
// ever holds it. Phone numbers cannot be bought from a template: buy one with SMS enabled in the portal (or
// `az communication phonenumber purchase`) and set it as smsFrom.

@description('Name of the Communication Services resource (also the first part of the SMTP user name).')
param communicationName string

@description('Name of the Email Communication Service.')
param emailServiceName string

@description('Where the data is kept at rest (e.g. Europe, United States).')
param dataLocation string

@description('Object id of the service principal of the Entra app that sends over SMTP; empty: assign its role by hand.')
param smtpServicePrincipalId string = ''

@description('The key vault the SMS connection string is written to.')
param keyVaultName string

param tags object = {}

resource emailService 'Microsoft.Communication/emailServices@2025-05-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource managedDomain 'Microsoft.Communication/emailServices/domains@2025-05-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource communication 'Microsoft.Communication/communicationServices@2025-05-01' = {
  name: communicationName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      managedDomain.id
    ]
  }
}

// Contributor on the Communication Services resource: enough for the SMTP relay to accept the app's credentials
// (it needs Microsoft.Communication/CommunicationServices Read and Write and EmailServices write).
var contributor = 'b24988ac-6181-4c4d-a5fb-4b57c6b00fdb'

resource smtpRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(smtpServicePrincipalId)) {
  name: guid(communication.id, smtpServicePrincipalId, contributor)
  scope: communication
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', contributor)
    principalId: smtpServicePrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource smsConnectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'Sms--ConnectionString'
  properties: {
    value: communication.listKeys().primaryConnectionString
  }
}

output name string = communication.name

@description('The sender address of the Azure-managed domain.')
output senderAddress string = 'DoNotReply@${managedDomain.properties.mailFromSenderDomain}'

@description('App-setting value that resolves the SMS connection string at run time.')
output smsConnectionStringReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${smsConnectionString.name})'
