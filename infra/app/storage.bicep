@description('Storage account for the Functions host, the deployment package, the app\'s tables, the status-events queue and the maintenance work queues.')
param name string
param location string
param tags object
param deploymentContainerName string

@description('The Functions host\'s own containers (azure-webjobs-hosts, azure-webjobs-secrets): made here, because the app\'s identity may use them but not create containers.')
param hostContainerNames array
param tableNames array
param statusEventsQueueName string

@description('The maintenance work queue; its poison queue (<name>-poison) is made here too, so the app\'s queue-scoped role covers both.')
param maintenanceQueueName string

@description('Redundancy of the account; zone-redundant by default where the region has zones.')
param skuName string

@description('Reachable only through private endpoints (true), or from the internet with identity-based access only (false).')
param privateNetworkOnly bool

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: skuName }
  properties: {
    // Identity only: no account keys, no SAS from keys, no anonymous blobs.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowCrossTenantReplication: false
    publicNetworkAccess: privateNetworkOnly ? 'Disabled' : 'Enabled'
    networkAcls: { defaultAction: privateNetworkOnly ? 'Deny' : 'Allow', bypass: 'AzureServices' }
  }

  resource blobs 'blobServices' = {
    name: 'default'

    resource deployment 'containers' = {
      name: deploymentContainerName
    }

    resource hostContainers 'containers' = [for container in hostContainerNames: {
      name: container
    }]
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource appTables 'tables' = [for table in tableNames: {
      name: table
    }]
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource statusEvents 'queues' = {
      name: statusEventsQueueName
    }

    resource maintenanceWork 'queues' = {
      name: maintenanceQueueName
    }

    resource maintenancePoison 'queues' = {
      name: '${maintenanceQueueName}-poison'
    }
  }
}

output id string = storage.id
output tableServiceId string = storage::tableService.id
output queueServiceId string = storage::queueService.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output tableEndpoint string = storage.properties.primaryEndpoints.table
output queueEndpoint string = storage.properties.primaryEndpoints.queue
