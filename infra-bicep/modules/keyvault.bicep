// Key Vault (RBAC) with the app's secrets, read by the function app through Key Vault references:
//   Ingestion--PseudonymSecret  the keyed-hash secret behind every pseudonymous storage key (never change it:
//                               stored data would be orphaned)
//   Admin--Key                  the X-Admin-Key of management calls
//   Sms--WebhookKey             the ?key= of the Communication Services events webhook
//   Sms--ConnectionString       written by communication.bicep from the Communication Services resource's keys
//   Consent--FormSecret         signs consent form subject tokens and double opt-in links (changing it invalidates
//                               every token and link issued before)
//   Campaigns--TrackingSecret   signs campaign open pixels and click links (changing it breaks every link sent)
//   Email--Smtp--Password       the client secret of the Entra app the Communication Services SMTP relay accepts
// A secret is written only when its value is passed, so a redeployment without values keeps the stored ones.

@description('Name of the key vault (3-24 letters, digits and hyphens).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@secure()
@description('Value for Ingestion--PseudonymSecret; empty keeps the stored secret.')
param pseudonymSecret string = ''

@secure()
@description('Value for Admin--Key; empty keeps the stored secret.')
param adminKey string = ''

@secure()
@description('Value for Sms--WebhookKey; empty keeps the stored secret.')
param smsWebhookKey string = ''

@secure()
@description('Value for Consent--FormSecret; empty keeps the stored secret.')
param consentFormSecret string = ''

@secure()
@description('Value for Campaigns--TrackingSecret; empty keeps the stored secret.')
param campaignTrackingSecret string = ''

@secure()
@description('Value for Email--Smtp--Password; empty keeps the stored secret.')
param smtpPassword string = ''

param tags object = {}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    publicNetworkAccess: 'Enabled'
  }
}

resource pseudonymSecretValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(pseudonymSecret)) {
  parent: vault
  name: 'Ingestion--PseudonymSecret'
  properties: {
    value: pseudonymSecret
  }
}

resource adminKeyValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(adminKey)) {
  parent: vault
  name: 'Admin--Key'
  properties: {
    value: adminKey
  }
}

resource smsWebhookKeyValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smsWebhookKey)) {
  parent: vault
  name: 'Sms--WebhookKey'
  properties: {
    value: smsWebhookKey
  }
}

resource consentFormSecretValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(consentFormSecret)) {
  parent: vault
  name: 'Consent--FormSecret'
  properties: {
    value: consentFormSecret
  }
}

resource campaignTrackingSecretValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(campaignTrackingSecret)) {
  parent: vault
  name: 'Campaigns--TrackingSecret'
  properties: {
    value: campaignTrackingSecret
  }
}

resource smtpPasswordValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smtpPassword)) {
  parent: vault
  name: 'Email--Smtp--Password'
  properties: {
    value: smtpPassword
  }
}

output name string = vault.name
output id string = vault.id

@description('App-setting values that resolve the secrets at run time.')
output pseudonymSecretReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=Ingestion--PseudonymSecret)'
output adminKeyReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=Admin--Key)'
output smsWebhookKeyReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=Sms--WebhookKey)'
output consentFormSecretReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=Consent--FormSecret)'
output campaignTrackingSecretReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=Campaigns--TrackingSecret)'
output smtpClientSecretReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=Email--Smtp--Password)'
