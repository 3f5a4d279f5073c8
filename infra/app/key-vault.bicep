@description('Key Vault holding the encryption master key versions, the Authress access key and provider client secrets.')
param name string
param location string
param tags object

@description('Reachable only through its private endpoint (true), or from the internet with Entra ID and RBAC only (false).')
param privateNetworkOnly bool

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    // Access by Azure RBAC only (no access policies); deleted secrets and key versions are recoverable and cannot be purged early.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: privateNetworkOnly ? 'Disabled' : 'Enabled'
    networkAcls: { defaultAction: privateNetworkOnly ? 'Deny' : 'Allow', bypass: 'AzureServices' }
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
