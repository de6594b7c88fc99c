// The one identity the Functions app runs as: it pulls the image, reads and writes storage, talks to
// the task hub (Durable's Azure Storage backend) and sends telemetry. User-assigned so role assignments exist before the
// app's first revision starts (a system-assigned identity would only exist once the app does).
@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
