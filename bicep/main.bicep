// SwapTalk cloud host: one resource group with the GPU Functions container app and what it needs.
// Deployed by `azd up` (azure.yaml: infra.path = bicep). Identity-based access only: no account keys,
// no connection strings with secrets; every data-plane permission is a role assignment to one
// user-assigned identity.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('azd environment name; prefixes the resource group and feeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Azure region for every resource. Serverless GPUs exist in a subset of regions (see docs/azure.md).')
param location string

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID); gets data access for the dashboard and uploads. Empty: none.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principalId.')
param principalType string = 'User'

@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
@description('Serverless GPU workload profile for the Functions replicas: T4 (8 vCPU, 56 GiB) or A100 (24 vCPU, 220 GiB).')
param gpuProfileType string = 'Consumption-GPU-NC8as-T4'

@minValue(0)
@maxValue(10)
@description('Replicas kept warm. 0 scales to zero between jobs (a cold start then loads the image and the models).')
param functionsMinReplicas int = 0

@minValue(1)
@maxValue(100)
@description('Most GPU replicas; bounds cost and the GPU quota the subscription needs.')
param functionsMaxReplicas int = 4

@minValue(1)
@maxValue(8)
@description('Durable activities one replica runs at once; overrides host.json (which says 2: see docs/azure.md).')
param maxConcurrentActivitiesPerReplica int = 2

@minValue(1)
@maxValue(365)
@description('Days after which blobs in the work container (segment intermediates) are deleted.')
param workRetentionDays int = 7

@minValue(30)
@maxValue(730)
@description('Log Analytics retention in days.')
param logRetentionDays int = 30

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
@description('Container registry SKU; Premium allows artifact streaming, which shortens GPU cold starts.')
param containerRegistrySku string = 'Standard'

@minLength(3)
@maxLength(45)
@description('Durable task hub name: its queues and tables live in the storage account (Durable\'s Azure Storage backend). Letters and digits, starting with a letter.')
param taskHubName string = 'swaptalk'

@description('NCRONTAB (six fields, UTC) of the batch dubbing timer.')
param batchSchedule string = '0 0 * * * *'

@minValue(1)
@maxValue(1000)
@description('Most jobs one batch timer run starts.')
param batchMaxStartsPerRun int = 20

@minValue(5)
@maxValue(1440)
@description('Lifetime in minutes of the read-only result URL (user delegation SAS).')
param resultUrlMinutes int = 60

@description('Client id of a Microsoft Entra app registration to require Entra tokens on the HTTP endpoints (Easy Auth). Empty: function keys only.')
param entraClientId string = ''

@description('Whether the Functions container app already exists (azd sets SERVICE_FUNCTIONS_RESOURCE_EXISTS); keeps the deployed image on re-provision.')
param functionsAppExists bool = false

var abbreviation = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'swaptalk'
}
var containers = {
  inbox: 'inbox'
  jobs: 'jobs'
  work: 'work'
  batches: 'batches'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-swaptalk-${abbreviation}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: 'log-swaptalk-${abbreviation}'
    appInsightsName: 'appi-swaptalk-${abbreviation}'
    location: location
    tags: tags
    retentionInDays: logRetentionDays
    identityPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stswaptalk${take(abbreviation, 13)}'
    location: location
    tags: tags
    containerNames: [
      containers.inbox
      containers.jobs
      containers.work
      containers.batches
    ]
    workContainerName: containers.work
    workRetentionDays: workRetentionDays
    identityPrincipalId: identity.outputs.principalId
    principalId: principalId
    principalType: principalType
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: 'crswaptalk${abbreviation}'
    location: location
    tags: tags
    sku: containerRegistrySku
    identityPrincipalId: identity.outputs.principalId
  }
}

module appsEnvironment 'modules/container-apps-environment.bicep' = {
  name: 'container-apps-environment'
  scope: rg
  params: {
    name: 'cae-swaptalk-${abbreviation}'
    location: location
    tags: tags
    gpuProfileType: gpuProfileType
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: 'ca-swaptalk-${abbreviation}'
    location: location
    tags: union(tags, { 'azd-service-name': 'functions' })
    environmentId: appsEnvironment.outputs.id
    gpuProfileName: appsEnvironment.outputs.gpuProfileName
    gpuProfileType: gpuProfileType
    exists: functionsAppExists
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    registryServer: registry.outputs.loginServer
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    inboxContainerName: containers.inbox
    jobsContainerName: containers.jobs
    workContainerName: containers.work
    batchContainerName: containers.batches
    taskHubName: taskHubName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    minReplicas: functionsMinReplicas
    maxReplicas: functionsMaxReplicas
    maxConcurrentActivities: maxConcurrentActivitiesPerReplica
    batchSchedule: batchSchedule
    batchMaxStartsPerRun: batchMaxStartsPerRun
    resultUrlMinutes: resultUrlMinutes
    entraClientId: entraClientId
  }
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: 'evgt-swaptalk-${abbreviation}'
    location: location
    tags: tags
    storageAccountId: storage.outputs.id
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = appsEnvironment.outputs.name
output SERVICE_FUNCTIONS_NAME string = functionApp.outputs.name
output SERVICE_FUNCTIONS_URI string = functionApp.outputs.uri
@description('The web page: an HTTP function of the app (anonymous files; the page asks for a function key for the API).')
output PAGE_URL string = '${functionApp.outputs.uri}/api/page/'
output FUNCTIONS_HOSTNAME string = functionApp.outputs.fqdn
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output INBOX_CONTAINER string = containers.inbox
output JOBS_CONTAINER string = containers.jobs
output BATCH_CONTAINER string = containers.batches
output EVENTGRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.name
output TASKHUB_NAME string = taskHubName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
