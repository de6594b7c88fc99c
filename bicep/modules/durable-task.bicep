// Durable Task Scheduler (the Durable Functions backend: storageProvider type azureManaged in
// host.json) and the task hub. Access is identity-only; the app gets Durable Task Data Contributor
// on the task hub alone (it starts, queries and terminates orchestrations and runs them).
@description('Scheduler name.')
param schedulerName string

@description('Task hub name.')
param taskHubName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@allowed([
  'Consumption'
  'Dedicated'
])
@description('Scheduler SKU.')
param skuName string

@description('Principal id of the app identity.')
param identityPrincipalId string

@description('Object id of the deploying user, granted dashboard access. Empty: none.')
param principalId string

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principalId.')
param principalType string

var durableTaskDataContributorRoleId = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: schedulerName
  location: location
  tags: tags
  properties: {
    sku: {
      name: skuName
    }
    // An empty list denies every caller; access is still gated by the role assignments below.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

resource appAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(taskHub.id, identityPrincipalId, durableTaskDataContributorRoleId)
  scope: taskHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributorRoleId)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource dashboardAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(taskHub.id, principalId, durableTaskDataContributorRoleId)
  scope: taskHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributorRoleId)
    principalId: principalId
    principalType: principalType
  }
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
