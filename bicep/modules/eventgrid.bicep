// Event Grid system topic on the storage account. The subscription that delivers BlobCreated events
// for inbox manifests to the Functions blob-extension webhook is a separate template
// (eventgrid-subscription.bicep) deployed by infra/hooks/postdeploy.sh after `azd deploy`: the webhook
// must be answering (validation handshake) and its blobs_extension key exists only once the host ran.
@description('System topic name.')
param name string

@description('Azure region (the storage account\'s).')
param location string

@description('Tags for the resource.')
param tags object

@description('Resource id of the storage account whose events the topic carries.')
param storageAccountId string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storageAccountId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
