namespace SwapTalk.Core.Hosting;

/// <summary>
/// How the job data store is reached, decided from the <c>SwapTalkStorage</c> connection settings the blob trigger
/// also uses: a connection string where one is set (Azurite locally), otherwise the identity form in the cloud
/// (<c>SwapTalkStorage__blobServiceUri</c> + managed identity). Decided here so the Azure adapter is a one-liner
/// per case and a misconfiguration is an error naming the settings, never echoing a connection string.
/// </summary>
public abstract record StorageConnection
{
    private StorageConnection() { }

    /// <summary>A connection string (never printed: it may hold an account key).</summary>
    public sealed record ConnectionString(string Value) : StorageConnection
    {
        public override string ToString() => "connection string (from " + AppSettingNames.StorageConnection + ")";
    }

    /// <summary>The blob endpoint with an Entra ID token; <paramref name="ManagedIdentityClientId"/> picks a user-assigned identity.</summary>
    public sealed record Identity(Uri BlobServiceUri, string? ManagedIdentityClientId) : StorageConnection
    {
        public override string ToString() => $"{BlobServiceUri} with managed identity {ManagedIdentityClientId ?? "(system-assigned or developer credential)"}";
    }

    public static StorageConnection Resolve(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var connectionString = read(AppSettingNames.StorageConnection);
        if (!string.IsNullOrWhiteSpace(connectionString)) return new ConnectionString(connectionString.Trim());

        var uriText = read(AppSettingNames.StorageBlobServiceUri);
        if (string.IsNullOrWhiteSpace(uriText))
            throw new InvalidOperationException(
                $"the job data store is not configured: set '{AppSettingNames.StorageBlobServiceUri}' (cloud, with a managed identity) " +
                $"or '{AppSettingNames.StorageConnection}' (a connection string, e.g. UseDevelopmentStorage=true for Azurite)");
        if (!Uri.TryCreate(uriText.Trim(), UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.Query.Length > 0)
            throw new InvalidOperationException(
                $"app setting '{AppSettingNames.StorageBlobServiceUri}' must be the https blob endpoint of the account without a query, e.g. https://account.blob.core.windows.net/");

        var credential = read(AppSettingNames.StorageCredential)?.Trim();
        if (!string.IsNullOrEmpty(credential) && !string.Equals(credential, AppSettingNames.ManagedIdentityCredential, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                $"app setting '{AppSettingNames.StorageCredential}' must be '{AppSettingNames.ManagedIdentityCredential}' or unset");

        var clientId = read(AppSettingNames.StorageClientId);
        if (string.IsNullOrWhiteSpace(clientId)) clientId = read(AppSettingNames.AzureClientId);
        return new Identity(uri, string.IsNullOrWhiteSpace(clientId) ? null : clientId.Trim());
    }
}
