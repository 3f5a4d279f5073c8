@description('Access and app logs to the Log Analytics workspace: who read the master key, which identity read or wrote which table or queue, and the app\'s own logs.')
param workspaceId string
param keyVaultName string
param storageAccountName string
param functionAppName string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource tableService 'tableServices' existing = {
    name: 'default'
  }

  resource queueService 'queueServices' existing = {
    name: 'default'
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

var storageLogs = [
  { category: 'StorageRead', enabled: true }
  { category: 'StorageWrite', enabled: true }
  { category: 'StorageDelete', enabled: true }
]

resource vaultAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-workspace'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [{ category: 'AuditEvent', enabled: true }]
  }
}

resource tableAccess 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'access-to-workspace'
  scope: storage::tableService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource queueAccess 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'access-to-workspace'
  scope: storage::queueService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource appLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-workspace'
  scope: app
  properties: {
    workspaceId: workspaceId
    logs: [{ category: 'FunctionAppLogs', enabled: true }]
  }
}
