// Registry for the GPU function image (azd builds it remotely: docker.remoteBuild in azure.yaml).
// The admin user stays disabled; the app pulls with its identity (AcrPull).
@minLength(5)
@maxLength(50)
@description('Registry name (letters and digits).')
param name string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
@description('Registry SKU.')
param sku string

@description('Principal id of the app identity that pulls images.')
param identityPrincipalId string

var acrPullRoleId = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identityPrincipalId, acrPullRoleId)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleId)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
