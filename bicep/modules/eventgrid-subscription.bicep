// BlobCreated events for job manifests (*.json) in the inbox container, delivered to the Functions
// blob trigger's Event Grid endpoint. Deployed by infra/hooks/postdeploy.sh with the webhook URL, which
// carries the blobs_extension system key, passed as a secure parameter (from a temporary parameters
// file, never on a command line); the key is not stored in the template, in outputs or in the azd
// environment.
@description('Name of the Event Grid system topic on the storage account.')
param systemTopicName string

@description('Inbox container name.')
param inboxContainerName string

@secure()
@description('https://{host}/runtime/webhooks/blobs?functionName=Host.Functions.{function}&code={blobs_extension key}: the key authorizes Event Grid on the webhook.')
param webhookUrl string

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource inboxManifests 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'inbox-manifests'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: webhookUrl
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${inboxContainerName}/blobs/'
      subjectEndsWith: '.json'
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output name string = inboxManifests.name
