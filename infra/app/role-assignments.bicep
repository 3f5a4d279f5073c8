@description('Least-privilege roles of the app\'s managed identity (and, optionally, of the deploying person or pipeline).')
param principalId string

@description('Resource id of the managed identity: known before deployment, so role assignment names are stable and What-If can predict them.')
param principalResourceId string
param storageAccountName string
param keyVaultName string
param applicationInsightsName string

@description('The tables the app reads and writes: its data role is granted on each of them, not on the account.')
param tableNames array

@description('The status-events queue: the app may send to it and nothing else.')
param statusEventsQueueName string

@description('The maintenance work queue and its poison queue: the timer sends to it and the queue trigger receives, deletes and poisons.')
param maintenanceQueueName string

@description('The deployment package container: the one container whose blobs the identity owns (Flex Consumption reads the package with it).')
param deploymentContainerName string

@description('The Functions host\'s containers (leases, timer state, keys): the identity reads and writes their blobs, and no other container\'s.')
param hostContainerNames array

@description('Object id of the deploying user or pipeline. Empty: none.')
param deployerPrincipalId string = ''

@description('Grant the deploying principal Key Vault Secrets Officer (to create the first master key and the secrets). Turn off afterwards; see docs/deploy.md.')
param grantDeployerSecretsOfficer bool = false

@description('Principal type of deployerPrincipalId.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param deployerPrincipalType string = 'User'

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deployment 'containers' existing = {
      name: deploymentContainerName
    }

    resource hostContainers 'containers' existing = [for container in hostContainerNames: {
      name: container
    }]
  }

  resource tableService 'tableServices' existing = {
    name: 'default'

    resource appTables 'tables' existing = [for table in tableNames: {
      name: table
    }]
  }

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource statusEvents 'queues' existing = {
      name: statusEventsQueueName
    }

    resource maintenanceWork 'queues' existing = {
      name: maintenanceQueueName
    }

    resource maintenancePoison 'queues' existing = {
      name: '${maintenanceQueueName}-poison'
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Container-scoped, never the account: the deployment package, and the Functions host's leases, timer state and keys.
resource packageOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::deployment.id, principalResourceId, roles.storageBlobDataOwner)
  scope: storage::blobService::deployment
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

resource hostBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (container, i) in hostContainerNames: {
  name: guid(storage::blobService::hostContainers[i].id, principalResourceId, roles.storageBlobDataContributor)
  scope: storage::blobService::hostContainers[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}]

// Table- and queue-scoped: the identity can touch no other table or queue of the account.
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (table, i) in tableNames: {
  name: guid(storage::tableService::appTables[i].id, principalResourceId, roles.storageTableDataContributor)
  scope: storage::tableService::appTables[i]
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}]

resource queueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::queueService::statusEvents.id, principalResourceId, roles.storageQueueDataMessageSender)
  scope: storage::queueService::statusEvents
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataMessageSender)
  }
}

// Queue-scoped as well: the maintenance work queue and its poison queue, and no other queue of the account.
resource maintenanceQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::queueService::maintenanceWork.id, principalResourceId, roles.storageQueueDataContributor)
  scope: storage::queueService::maintenanceWork
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

resource maintenancePoisonContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::queueService::maintenancePoison.id, principalResourceId, roles.storageQueueDataContributor)
  scope: storage::queueService::maintenancePoison
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalResourceId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, principalResourceId, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantDeployerSecretsOfficer && !empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
  }
}
