@description('The Credentials Functions app on the Flex Consumption plan, running as a user-assigned managed identity.')
param planName string
param appName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param blobEndpoint string
param tableEndpoint string
param queueEndpoint string
param deploymentContainerName string
param keyVaultName string
param keyVaultUri string
param applicationInsightsConnectionString string
param publicBaseUrl string
param authressDomain string

@minLength(1)
@description('Accepted aud of user tokens from the Authress domain; never empty, so no audience is ever accepted unchecked.')
param authressAudiences array

param trustedCallerIssuers array
param allowedReturnUrls array
param providers array
param maintenanceSchedule string
param statusEventsQueueName string
param maintenanceQueueName string
param alwaysReadyInstanceCount int
param instanceMemoryMB int
param maximumInstanceCount int

@description('Subnet (delegated to Microsoft.App/environments) for VNet integration; empty: none.')
param subnetId string

// Settings every deployment has. Secrets are Key Vault references resolved by the platform with the managed identity.
var baseAppSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AZURE_CLIENT_ID: identityClientId
  // The app's catch-all route answers every unknown path, / included, with problem+json (host.json's route prefix is empty).
  AzureWebJobsDisableHomepage: 'true'
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  Service__PublicBaseUrl: publicBaseUrl
  Storage__TableServiceUri: tableEndpoint
  Storage__QueueServiceUri: queueEndpoint
  Storage__StatusEventsQueue: statusEventsQueueName
  Storage__MaintenanceQueue: maintenanceQueueName
  Encryption__KeySource: 'KeyVault'
  Encryption__KeyVaultUri: keyVaultUri
  Authentication__Issuers__0__Issuer: authressDomain
  Authentication__Issuers__0__Kind: 'Authress'
  Authentication__Issuers__0__Audiences__0: authressAudiences[0]
  Authress__ApiBaseUrl: authressDomain
  Authress__AccessKey: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=authress-access-key)'
  Maintenance__Schedule: maintenanceSchedule
}

// The Authress domain's further audiences, after the first in baseAppSettings.
var authressAudienceSettings = toObject(range(1, length(authressAudiences) - 1), i => 'Authentication__Issuers__0__Audiences__${i}', i => authressAudiences[i])

// Further trusted caller issuers (e.g. Entra ID) follow the Authress one, each with its audiences and subject prefix.
var issuerSettings = reduce(range(0, length(trustedCallerIssuers)), {}, (settings, i) => union(settings, {
  'Authentication__Issuers__${i + 1}__Issuer': trustedCallerIssuers[i].issuer
  'Authentication__Issuers__${i + 1}__Kind': trustedCallerIssuers[i].?kind ?? 'Oidc'
}, empty(trustedCallerIssuers[i].?audience ?? '') ? {} : {
  'Authentication__Issuers__${i + 1}__Audience': trustedCallerIssuers[i].audience
}, empty(trustedCallerIssuers[i].?subjectPrefix ?? '') ? {} : {
  'Authentication__Issuers__${i + 1}__SubjectPrefix': trustedCallerIssuers[i].subjectPrefix
}, reduce(range(0, length(trustedCallerIssuers[i].?audiences ?? [])), {}, (audiences, j) => union(audiences, {
  'Authentication__Issuers__${i + 1}__Audiences__${j}': trustedCallerIssuers[i].audiences[j]
}))))

var returnUrlSettings = toObject(range(0, length(allowedReturnUrls)), i => 'Connect__AllowedReturnUrls__${i}', i => allowedReturnUrls[i])

// Each provider's client secret is the Key Vault secret provider-<id>-client-secret; other settings pass through.
var providerSettings = reduce(providers, {}, (settings, provider) => union(settings, {
  'Providers__${provider.id}__Preset': provider.preset
  'Providers__${provider.id}__ClientId': provider.clientId
  'Providers__${provider.id}__ClientSecret': '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=provider-${provider.id}-client-secret)'
}, toObject(items(provider.?settings ?? {}), setting => 'Providers__${provider.id}__${setting.key}', setting => setting.value)))

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

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyInstanceCount > 0 ? [{ name: 'http', instanceCount: alwaysReadyInstanceCount }] : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(baseAppSettings, authressAudienceSettings, issuerSettings, returnUrlSettings, providerSettings)
  }

  resource basicPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }
}

output id string = app.id
output name string = app.name
output defaultHostName string = app.properties.defaultHostName
