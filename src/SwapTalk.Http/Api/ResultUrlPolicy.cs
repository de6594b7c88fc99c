using SwapTalk.Core.Hosting;
using SwapTalk.Core.Hosting.Manifests;
using SwapTalk.Core.Hosting.Starting;
namespace SwapTalk.Http;

/// <summary>When a result URL is valid: from a little before now (clocks differ) until the configured lifetime ends.</summary>
public sealed record ResultUrlWindow(DateTimeOffset StartsOn, DateTimeOffset ExpiresOn);

/// <summary>
/// The policy for links to a finished job's video: read-only, one blob, short-lived, https in the cloud. With shared
/// keys disabled on the account, the Azure signer makes a user-delegation SAS (the key itself lives no longer than
/// the link), so a leaked link stops working within <see cref="HostSettings.ResultUrlMinutes"/>.
/// </summary>
public static class ResultUrlPolicy
{
    /// <summary>A user-delegation key, and so its SAS, is valid for at most 7 days.</summary>
    public const int MaxMinutes = 7 * 24 * 60;

    /// <summary>Started this much in the past so a client whose clock is behind can use the link at once.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>SAS permissions: read only ("r"); no list, write, delete or tag access.</summary>
    public const string Permissions = "r";

    public static ResultUrlWindow Window(DateTimeOffset now, int minutes)
    {
        if (minutes is < 1 or > MaxMinutes)
            throw new ArgumentOutOfRangeException(nameof(minutes), minutes, $"a result URL lives 1..{MaxMinutes} minutes");
        // Whole seconds: SAS times are second-precision, and a signer must not round the expiry up past the policy.
        var start = TruncateToSecond(now - ClockSkew);
        return new ResultUrlWindow(start, TruncateToSecond(now + TimeSpan.FromMinutes(minutes)));
    }

    /// <summary>Https only, except for a local emulator (Azurite) on plain http at a loopback address.</summary>
    public static bool RequiresHttps(Uri serviceEndpoint) =>
        !(serviceEndpoint.Scheme == Uri.UriSchemeHttp && serviceEndpoint.IsLoopback);

    private static DateTimeOffset TruncateToSecond(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Offset);
}

/// <summary>Makes a read-only link to one job blob for the given window (Azure: a user-delegation SAS).</summary>
public interface IResultUrlSigner
{
    Task<Uri> SignReadAsync(string blobName, ResultUrlWindow window, CancellationToken cancellationToken);
}
