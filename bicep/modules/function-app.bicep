// The Functions app: a container app of kind 'functionapp' (Azure Functions on Container Apps) on the
// serverless GPU profile, running infra/Dockerfile's image as the user-assigned identity.
// Every app setting the code reads is in `appSettings` below; their names are the constants in
// src/SwapTalk.Functions/Settings/AppSettingNames.cs; tests/SwapTalk.Functions.Tests reads the compiled ARM
// template and checks both agree.
@description('Container app name.')
param name string

@description('Azure region.')
param location string

@description('Tags; must carry azd-service-name so azd deploy finds the app.')
param tags object

@description('Resource id of the Container Apps environment.')
param environmentId string

@description('Name of the serverless GPU workload profile in the environment.')
param gpuProfileName string

@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
@description('GPU profile type; decides the replica size.')
param gpuProfileType string

@description('Whether the app exists already (keeps its deployed image).')
param exists bool

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Login server of the container registry.')
param registryServer string

@description('Blob endpoint of the storage account.')
param storageBlobEndpoint string

@description('Queue endpoint of the storage account.')
param storageQueueEndpoint string

@description('Table endpoint of the storage account.')
param storageTableEndpoint string

@description('Container of uploaded job manifests.')
param inboxContainerName string

@description('Container of job inputs, outputs and reports.')
param jobsContainerName string

@description('Container of intermediates (deleted by lifecycle rule).')
param workContainerName string

@description('Container of batch manifests and reports.')
param batchContainerName string

@description('Durable task hub name (queues and tables in the host storage account).')
param taskHubName string

@description('Application Insights connection string (ingestion endpoint; local auth is disabled).')
param appInsightsConnectionString string

@minValue(0)
@description('Minimum replicas.')
param minReplicas int

@minValue(1)
@description('Maximum replicas.')
param maxReplicas int

@minValue(1)
@description('Durable activities per replica.')
param maxConcurrentActivities int

@description('NCRONTAB of the batch timer.')
param batchSchedule string

@minValue(1)
@description('Most jobs one batch timer run starts.')
param batchMaxStartsPerRun int

@minValue(1)
@description('Lifetime of result URLs in minutes.')
param resultUrlMinutes int

@description('Entra app registration client id for Easy Auth; empty disables it.')
param entraClientId string

// Serverless GPU replicas come in fixed sizes: one GPU and the profile's whole CPU and memory.
var replicaSizes = {
  'Consumption-GPU-NC8as-T4': {
    cpu: '8.0'
    memory: '56Gi'
  }
  'Consumption-GPU-NC24-A100': {
    cpu: '24.0'
    memory: '220Gi'
  }
}
var placeholderImage = 'mcr.microsoft.com/azure-functions/dotnet8-quickstart-demo:1.0'

var appSettings = [
  { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'dotnet-isolated' }
  { name: 'AzureWebJobsStorage__blobServiceUri', value: storageBlobEndpoint }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: storageQueueEndpoint }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: storageTableEndpoint }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  // The host generates its keys (incl. the blobs_extension system key Event Grid needs) and keeps them
  // in host storage; the Container Apps secret store would need every key provisioned as a secret here.
  { name: 'AzureWebJobsSecretStorageType', value: 'blob' }
  { name: 'AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions', value: string(maxConcurrentActivities) }
  // The job data store: serviceUri for the app's client (Microsoft.Extensions.Azure), blob/queueServiceUri for
  // the inbox blob trigger (the Functions host's storage extension).
  { name: 'SwapTalkStorage__serviceUri', value: storageBlobEndpoint }
  { name: 'SwapTalkStorage__blobServiceUri', value: storageBlobEndpoint }
  { name: 'SwapTalkStorage__queueServiceUri', value: storageQueueEndpoint }
  { name: 'SwapTalkStorage__credential', value: 'managedidentity' }
  { name: 'SwapTalkStorage__clientId', value: identityClientId }
  { name: 'SWAPTALK_INBOX_CONTAINER', value: inboxContainerName }
  { name: 'SWAPTALK_JOBS_CONTAINER', value: jobsContainerName }
  { name: 'SWAPTALK_WORK_CONTAINER', value: workContainerName }
  { name: 'SWAPTALK_BATCH_CONTAINER', value: batchContainerName }
  { name: 'SWAPTALK_BATCH_SCHEDULE', value: batchSchedule }
  { name: 'SWAPTALK_BATCH_MAX_STARTS_PER_RUN', value: string(batchMaxStartsPerRun) }
  { name: 'SWAPTALK_RESULT_URL_MINUTES', value: string(resultUrlMinutes) }
  { name: 'SWAPTALK_MAX_REQUEST_BYTES', value: '65536' }
  { name: 'TASKHUB_NAME', value: taskHubName }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
]

module current 'fetch-container-image.bicep' = {
  name: '${name}-current-image'
  params: {
    exists: exists
    name: name
  }
}

resource app 'Microsoft.App/containerApps@2025-02-02-preview' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: environmentId
    workloadProfileName: gpuProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 80
        transport: 'auto'
        allowInsecure: false
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'functions'
          image: exists ? current.outputs.containers[0].image : placeholderImage
          env: appSettings
          resources: {
            cpu: json(replicaSizes[gpuProfileType].cpu)
            memory: replicaSizes[gpuProfileType].memory
          }
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
      }
    }
  }
}

// Optional Microsoft Entra ID in front of the HTTP endpoints (Easy Auth), validation only: no client
// secret. The Event Grid webhook of the blob trigger carries the blobs_extension key instead of a token.
resource auth 'Microsoft.App/containerApps/authConfigs@2024-03-01' = if (!empty(entraClientId)) {
  parent: app
  name: 'current'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/runtime/webhooks/blobs'
      ]
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            entraClientId
            'api://${entraClientId}'
          ]
        }
      }
    }
  }
}

output name string = app.name
output fqdn string = app.properties.configuration.ingress.fqdn
output uri string = 'https://${app.properties.configuration.ingress.fqdn}'
