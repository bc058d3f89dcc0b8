// Azure Communication Services: the resource that sends SMS (consent requests, campaigns) and receives replies, and
// an e-mail service with an Azure-managed domain linked to it (the SMTP relay sends from that domain). The resource's
// connection string (endpoint + access key, which SMS requests are signed with) goes straight into Key Vault as
// Sms--ConnectionString; nothing else ever holds it. Phone numbers cannot be bought from a template: buy one with SMS
// enabled in the portal (or `az communication phonenumber purchase`) and set it as smsFrom.

@description('Name of the Communication Services resource (globally unique).')
param name string

@description('Name of the e-mail service.')
param emailServiceName string

@description('Where the resources keep their data at rest.')
@allowed([
  'Europe'
  'United States'
  'UK'
  'Switzerland'
  'Germany'
  'France'
  'Norway'
])
param dataLocation string = 'Europe'

@description('The key vault the connection string is written to.')
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

// Azure-managed: a *.azurecomm.net sender domain, verified by Azure, usable at once (a custom domain needs DNS records).
resource emailDomain 'Microsoft.Communication/emailServices/domains@2025-05-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    // Opens and clicks come through our own tracking, not the relay's.
    userEngagementTracking: 'Disabled'
  }
}

resource communication 'Microsoft.Communication/communicationServices@2025-05-01' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      emailDomain.id
    ]
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
output id string = communication.id

@description('The sender domain of e-mail through the relay (DoNotReply@<this>).')
output emailSenderDomain string = emailDomain.properties.mailFromSenderDomain

@description('App-setting value that resolves the connection string at run time.')
output smsConnectionStringReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${smsConnectionString.name})'
