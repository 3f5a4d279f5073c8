targetScope = 'subscription'

metadata description = 'Credentials service: Functions app (Flex Consumption) with managed identity, Table/Queue storage, Key Vault and Application Insights. No keys anywhere.'

@minLength(1)
@maxLength(64)
@description('azd environment name; names and the resource token derive from it.')
param environmentName string

@minLength(1)
@description('Azure region of every resource.')
param location string

@description('Authress account API host or custom domain, e.g. https://login.example.com. Also the trusted issuer of caller tokens.')
param authressDomain string

@description('Accepted aud of Authress user tokens calling the service: your Authress application id(s) (app_…). Empty: the service\'s base URL.')
param authressAudiences array = []

@description('Further trusted caller issuers: [{ issuer, kind?: "Oidc" | "Authress", audiences: [], subjectPrefix }], e.g. an Entra ID tenant with subjectPrefix "entra|".')
param trustedCallerIssuers array = []

@description('URLs the OAuth callback may redirect to (scheme, host, port and path prefix).')
param allowedReturnUrls array = []

@description('OAuth providers: [{ id, preset, clientId, settings?: { Tenant: "…", Scopes__0: "…" } }]. Each client secret is the Key Vault secret provider-<id>-client-secret.')
param providers array = []

@description('Six-field cron schedule of the maintenance timer.')
param maintenanceSchedule string = '0 */15 * * * *'

@minValue(0)
@maxValue(20)
@description('Always-ready instances for HTTP functions (0: scale to zero; 1 avoids cold starts at a fixed cost).')
param alwaysReadyInstanceCount int = 0

@allowed([512, 2048, 4096])
@description('Memory per instance (MB).')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound of instances the plan scales out to.')
param maximumInstanceCount int = 40

@description('Public base URL of the app (custom domain). Empty: https://<app>.azurewebsites.net.')
param publicBaseUrl string = ''

@description('Object id of the deploying principal (see grantDeployerSecretsOfficer). Empty: none.')
param deployerPrincipalId string = ''

@description('Grant the deploying principal Key Vault Secrets Officer for the first deployment\'s key ceremony; off afterwards (docs/deploy.md).')
param grantDeployerSecretsOfficer bool = false

@description('Private network: the storage account and the Key Vault are reachable only through private endpoints in a VNet the app is integrated with.')
param vnetEnabled bool = true

@description('Address space of the virtual network (with vnetEnabled); the app and private-endpoint subnets are its first two /24s.')
param vnetAddressPrefix string = '10.40.0.0/16'

@allowed(['Standard_ZRS', 'Standard_GZRS', 'Standard_RAGZRS', 'Standard_LRS', 'Standard_GRS', 'Standard_RAGRS'])
@description('Storage redundancy. Zone-redundant by default; choose Standard_LRS or Standard_GRS only in a region without availability zones.')
param storageSkuName string = 'Standard_ZRS'

@minValue(30)
@maxValue(730)
@description('Days the Log Analytics workspace keeps app logs and the access logs of the Key Vault and the storage account.')
param logRetentionInDays int = 90

@allowed(['User', 'ServicePrincipal', 'Group'])
@description('Principal type of deployerPrincipalId.')
param deployerPrincipalType string = 'User'

@description('Resource id of an action group the operations alerts notify (e-mail, pager, webhook). Empty: alerts show in the portal only.')
param alertActionGroupId string = ''

@minValue(0)
@description('Alert when one provider has more failed refreshes than this in 15 minutes.')
param refreshFailureAlertThreshold int = 20

@minValue(0)
@description('Alert when more connections than this become reauthorization_required in one hour.')
param reauthorizationAlertThreshold int = 10

@minValue(0)
@description('Alert when more audit events than this are lost in 5 minutes (0: any loss).')
param auditFailureAlertThreshold int = 0

@minValue(0)
@description('Alert when the master key could not be read from Key Vault more often than this in 5 minutes (0: any failure).')
param masterKeyFailureAlertThreshold int = 0

var abbreviations = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appName = '${abbreviations.webSitesFunctions}${resourceToken}'
var deploymentContainerName = 'app-package-${take(appName, 32)}-${take(resourceToken, 7)}'
var statusEventsQueueName = 'connection-status-events'
var maintenanceQueueName = 'maintenance-work'
var identityName = '${abbreviations.appManagedIdentity}${resourceToken}'
var storageAccountName = '${abbreviations.storageStorageAccounts}${resourceToken}'
var keyVaultName = '${abbreviations.keyVaultVaults}${resourceToken}'
var applicationInsightsName = '${abbreviations.insightsComponents}${resourceToken}'
var networkName = '${abbreviations.networkVirtualNetworks}${resourceToken}'
var appTableNames = ['Connections', 'CredentialAudit', 'OAuthStates', 'Maintenance']
// The Functions host's blob containers (leases and timer state; function keys): made by the template, since the app's
// identity holds roles on these containers only and so cannot create one.
var hostContainerNames = ['azure-webjobs-hosts', 'azure-webjobs-secrets']

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbreviations.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: resourceGroup
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: resourceGroup
  params: {
    name: storageAccountName
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    hostContainerNames: hostContainerNames
    tableNames: appTableNames
    statusEventsQueueName: statusEventsQueueName
    maintenanceQueueName: maintenanceQueueName
    skuName: storageSkuName
    privateNetworkOnly: vnetEnabled
  }
}

module keyVault 'app/key-vault.bicep' = {
  name: 'key-vault'
  scope: resourceGroup
  params: {
    name: keyVaultName
    location: location
    tags: tags
    privateNetworkOnly: vnetEnabled
  }
}

module network 'app/network.bicep' = if (vnetEnabled) {
  name: 'network'
  scope: resourceGroup
  params: {
    name: networkName
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
  }
}

module privateEndpoints 'app/private-endpoints.bicep' = if (vnetEnabled) {
  name: 'private-endpoints'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    networkName: networkName
    subnetName: 'private-endpoints'
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
  }
  dependsOn: [network, storage, keyVault]
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: resourceGroup
  params: {
    logAnalyticsName: '${abbreviations.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module roles 'app/role-assignments.bicep' = {
  name: 'role-assignments'
  scope: resourceGroup
  dependsOn: [storage, keyVault, monitoring]
  params: {
    principalId: identity.outputs.principalId
    principalResourceId: resourceId(subscription().subscriptionId, resourceGroup.name, 'Microsoft.ManagedIdentity/userAssignedIdentities', identityName)
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    applicationInsightsName: applicationInsightsName
    tableNames: appTableNames
    statusEventsQueueName: statusEventsQueueName
    maintenanceQueueName: maintenanceQueueName
    deploymentContainerName: deploymentContainerName
    hostContainerNames: hostContainerNames
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
    grantDeployerSecretsOfficer: grantDeployerSecretsOfficer
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: resourceGroup
  params: {
    planName: '${abbreviations.webServerFarms}${resourceToken}'
    appName: appName
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerName: deploymentContainerName
    keyVaultName: keyVault.outputs.name
    keyVaultUri: keyVault.outputs.uri
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    publicBaseUrl: empty(publicBaseUrl) ? 'https://${appName}.azurewebsites.net' : publicBaseUrl
    authressDomain: authressDomain
    authressAudiences: empty(authressAudiences) ? [empty(publicBaseUrl) ? 'https://${appName}.azurewebsites.net' : publicBaseUrl] : authressAudiences
    trustedCallerIssuers: trustedCallerIssuers
    allowedReturnUrls: allowedReturnUrls
    providers: providers
    maintenanceSchedule: maintenanceSchedule
    statusEventsQueueName: statusEventsQueueName
    maintenanceQueueName: maintenanceQueueName
    alwaysReadyInstanceCount: alwaysReadyInstanceCount
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    subnetId: vnetEnabled ? resourceId(subscription().subscriptionId, resourceGroup.name, 'Microsoft.Network/virtualNetworks/subnets', networkName, 'app') : ''
  }
  dependsOn: [roles, network, privateEndpoints]
}

module diagnostics 'app/diagnostics.bicep' = {
  name: 'diagnostics'
  scope: resourceGroup
  params: {
    workspaceId: monitoring.outputs.logAnalyticsId
    keyVaultName: keyVaultName
    storageAccountName: storageAccountName
    functionAppName: appName
  }
  dependsOn: [functionApp, storage, keyVault]
}

module operations 'app/operations.bicep' = {
  name: 'operations'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    workspaceId: monitoring.outputs.logAnalyticsId
    actionGroupId: alertActionGroupId
    refreshFailureThreshold: refreshFailureAlertThreshold
    reauthorizationThreshold: reauthorizationAlertThreshold
    auditFailureThreshold: auditFailureAlertThreshold
    masterKeyFailureThreshold: masterKeyFailureAlertThreshold
  }
}

output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_BASE_URL string = empty(publicBaseUrl) ? 'https://${functionApp.outputs.defaultHostName}' : publicBaseUrl
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
