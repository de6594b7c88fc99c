// One storage account for the Functions host (keys, leases, timer schedule monitor, blob trigger
// poison queue), the Durable task hub (Durable's Azure Storage backend: its control and work-item
// queues, history and instance tables, large-message and lease blobs) and the job data (inbox manifests, job inputs/outputs, intermediates, batches).
// Shared keys are disabled: every client authenticates with Microsoft Entra ID.
@minLength(3)
@maxLength(24)
@description('Storage account name (lowercase letters and digits).')
param name string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Blob containers to create.')
param containerNames array

@description('Container holding segment intermediates; the lifecycle rule deletes its blobs.')
param workContainerName string

@minValue(1)
@maxValue(365)
@description('Days after the last modification when work blobs are deleted.')
param workRetentionDays int

@description('Principal id of the app identity.')
param identityPrincipalId string

@description('Object id of the deploying user, granted blob data access for uploads. Empty: none.')
param principalId string

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principalId.')
param principalType string

// Host storage needs Blob Data Owner (leases, key blobs, the task hub's lease and large-message blobs);
// the task hub's queues and the blob trigger's poison queue need Queue Data Contributor; the task
// hub's history and instance tables (and the host's diagnostic events) need Table Data Contributor.
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var appRoleIds = [
  storageBlobDataOwnerRoleId
  storageQueueDataContributorRoleId
  storageTableDataContributorRoleId
]

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard_LRS'
  }
  kind: 'StorageV2'
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = [for container in containerNames: {
  parent: blobService
  name: container
  properties: {
    publicAccess: 'None'
  }
}]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2024-01-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-work-blobs'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              // A prefix filter starts with the container name: this matches every blob in it.
              prefixMatch: [
                '${workContainerName}/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: workRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    blobContainers
  ]
}

resource appRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in appRoleIds: {
  name: guid(account.id, identityPrincipalId, roleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}]

resource deployerBlobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(account.id, principalId, storageBlobDataContributorRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
    principalId: principalId
    principalType: principalType
  }
}

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
