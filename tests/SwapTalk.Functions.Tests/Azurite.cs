using Azure.Storage.Blobs;

namespace SwapTalk.Functions.Tests;

/// <summary>
/// The Azurite instance the tests run against: <c>SWAPTALK_AZURITE</c> (a connection string; scripts/test.sh starts
/// Azurite on free loopback ports and sets it), default the emulator's well-known development account on
/// 127.0.0.1:10000. Tests skip saying so where it is not running, except under <c>CI=true</c> or
/// <c>SWAPTALK_REQUIRE_AZURITE=1</c> (set by scripts/test.sh), where its absence fails them.
/// </summary>
public static class Azurite
{
    public const string StartCommand = "./scripts/test.sh (it starts Azurite itself)";

    public static bool Required =>
        Environment.GetEnvironmentVariable("CI") == "true" || Environment.GetEnvironmentVariable("SWAPTALK_REQUIRE_AZURITE") == "1";

    private static readonly Lazy<Task<string?>> Unavailable = new(ProbeAsync);

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("SWAPTALK_AZURITE") is { Length: > 0 } configured ? configured : "UseDevelopmentStorage=true";

    /// <summary>A client for the emulator, or a skip (a failure under SWAPTALK_REQUIRE_AZURITE=1) saying how to start it.</summary>
    public static async Task<BlobServiceClient> ServiceAsync()
    {
        if (await Unavailable.Value is { } reason)
        {
            var message = $"Azurite is not reachable ({reason}); start it with: {StartCommand}";
            if (Required) throw new InvalidOperationException(message);
            Assert.Skip(message);
        }
        return new BlobServiceClient(ConnectionString);
    }

    /// <summary>A fresh container with a name no other test uses.</summary>
    public static async Task<string> NewContainerAsync(BlobServiceClient service, string role)
    {
        var name = $"{role}-{Guid.NewGuid():N}"[..30];
        await service.GetBlobContainerClient(name).CreateAsync();
        return name;
    }

    private static async Task<string?> ProbeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var service = new BlobServiceClient(ConnectionString, new BlobClientOptions { Retry = { MaxRetries = 0 } });
            await service.GetPropertiesAsync(timeout.Token);
            return null;
        }
        catch (Exception e)
        {
            return e.GetType().Name + ": " + e.Message.Split('\n')[0];
        }
    }
}
