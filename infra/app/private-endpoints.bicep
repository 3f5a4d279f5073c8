@description('Private endpoints, with their private DNS zones linked to the network, for the storage services and the Key Vault.')
param location string
param tags object
param networkName string
param subnetName string
param storageAccountName string
param keyVaultName string

resource network 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: networkName

  resource subnet 'subnets' existing = {
    name: subnetName
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Zone names come from the cloud's own suffixes (no hard-coded public-cloud host names).
var storageSuffix = environment().suffixes.storage
var endpoints = [
  { name: '${storageAccountName}-blob', group: 'blob', zone: 'privatelink.blob.${storageSuffix}' }
  { name: '${storageAccountName}-queue', group: 'queue', zone: 'privatelink.queue.${storageSuffix}' }
  { name: '${storageAccountName}-table', group: 'table', zone: 'privatelink.table.${storageSuffix}' }
  { name: '${keyVaultName}-vault', group: 'vault', zone: 'privatelink${replace(environment().suffixes.keyvaultDns, 'vault', 'vaultcore')}' }
]

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [for endpoint in endpoints: {
  name: endpoint.zone
  location: 'global'
  tags: tags
}]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [for (endpoint, i) in endpoints: {
  parent: zones[i]
  name: 'link-${networkName}'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: network.id }
  }
}]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2024-05-01' = [for endpoint in endpoints: {
  name: 'pe-${endpoint.name}'
  location: location
  tags: tags
  properties: {
    subnet: { id: network::subnet.id }
    privateLinkServiceConnections: [
      {
        name: endpoint.name
        properties: {
          privateLinkServiceId: endpoint.group == 'vault' ? vault.id : storage.id
          groupIds: [endpoint.group]
        }
      }
    ]
  }
}]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [for (endpoint, i) in endpoints: {
  parent: privateEndpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: endpoint.group
        properties: { privateDnsZoneId: zones[i].id }
      }
    ]
  }
}]
