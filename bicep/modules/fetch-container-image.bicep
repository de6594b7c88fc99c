// Reads the image a container app runs now, so re-provisioning keeps what `azd deploy` pushed instead
// of resetting the app to the placeholder image.
@description('Whether the container app exists yet.')
param exists bool

@description('Container app name.')
param name string

resource existingApp 'Microsoft.App/containerApps@2025-02-02-preview' existing = if (exists) {
  name: name
}

output containers array = exists ? existingApp!.properties.template.containers : []
