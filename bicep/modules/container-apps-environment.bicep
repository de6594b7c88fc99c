// Workload-profiles environment with the default Consumption profile and one serverless GPU profile.
// Logs go to Log Analytics through diagnostic settings (destination azure-monitor), so the template
// never needs the workspace's shared key.
@description('Environment name.')
param name string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
@description('Serverless GPU workload profile type.')
param gpuProfileType string

@description('Resource id of the Log Analytics workspace.')
param logAnalyticsWorkspaceId string

var gpuProfileName = 'gpu'

resource environment 'Microsoft.App/managedEnvironments@2025-02-02-preview' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
      {
        name: gpuProfileName
        workloadProfileType: gpuProfileType
      }
    ]
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'ContainerAppConsoleLogs'
        enabled: true
      }
      {
        category: 'ContainerAppSystemLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output id string = environment.id
output name string = environment.name
output gpuProfileName string = gpuProfileName
