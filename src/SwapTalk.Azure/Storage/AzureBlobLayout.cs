using System.Text.RegularExpressions;
using System.Text;
using SwapTalk.Core.Storage;

namespace SwapTalk.Azure.Storage;

/// <summary>
/// Which container holds a blob of the job store. Intermediates (any name with a <c>work</c> folder segment, as in
/// <c>jobs/{jobId}/work/plan.json</c>) go to the work container, whose lifecycle rule deletes them after a few
/// days; everything else (inputs, output, report) stays in the jobs container. The blob keeps its full name in
/// either container, so the mapping is its own inverse and listing merges the two containers by name.
/// </summary>
public sealed class BlobContainerRouting
{
    public const string WorkSegment = "work";

    public BlobContainerRouting(string defaultContainer, string? workContainer = null)
    {
        if (!ContainerNames.IsValid(defaultContainer))
            throw new ArgumentException($"'{defaultContainer}' is not a container name: {ContainerNames.Rule}", nameof(defaultContainer));
        if (workContainer is not null && (!ContainerNames.IsValid(workContainer) || workContainer == defaultContainer))
            throw new ArgumentException($"'{workContainer}' is not a container name distinct from '{defaultContainer}'", nameof(workContainer));
        DefaultContainer = defaultContainer;
        WorkContainer = workContainer;
    }

    public string DefaultContainer { get; }
    public string? WorkContainer { get; }

    /// <summary>Every container the store spans, default first.</summary>
    public IReadOnlyList<string> Containers => WorkContainer is null ? [DefaultContainer] : [DefaultContainer, WorkContainer];

    /// <summary>The container of a (validated) blob name.</summary>
    public string ContainerOf(string name) =>
        WorkContainer is not null && IsWorkName(BlobName.Validate(name)) ? WorkContainer : DefaultContainer;

    /// <summary>True when a folder segment (not the file name) is <see cref="WorkSegment"/>.</summary>
    public static bool IsWorkName(string name)
    {
        var segments = name.Split('/');
        for (var i = 0; i < segments.Length - 1; i++)
            if (segments[i] == WorkSegment) return true;
        return false;
    }
}

/// <summary>
/// The metadata the Azure store keeps beside a blob's own: the sha256 of its content (Azure computes only MD5, and
/// only for single-shot uploads), under a reserved key the caller's metadata cannot use.
/// </summary>
public static class StoredBlobMetadata
{
    public const string Sha256Key = "swaptalk_sha256";

    /// <summary>Checks a caller's metadata before any byte is sent: the store's rules, and no reserved key.</summary>
    /// <exception cref="ArgumentException">Invalid metadata, or a caller key that is reserved.</exception>
    public static void Validate(IReadOnlyDictionary<string, string>? metadata)
    {
        BlobMetadata.Validate(metadata);
        if (metadata is not null && metadata.ContainsKey(Sha256Key))
            throw new ArgumentException($"blob metadata key '{Sha256Key}' is reserved for the store", nameof(metadata));
    }

    /// <summary>The metadata to send: the caller's (validated) plus the content hash.</summary>
    /// <exception cref="ArgumentException">Invalid metadata, or a caller key that is reserved.</exception>
    public static Dictionary<string, string> ForWrite(IReadOnlyDictionary<string, string>? metadata, string sha256)
    {
        Validate(metadata);
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null)
            foreach (var (key, value) in metadata) stored[key] = value;
        stored[Sha256Key] = sha256;
        return stored;
    }

    /// <summary>Splits stored metadata into the content hash (null when the blob was written by someone else) and the caller's.</summary>
    public static (string? Sha256, IReadOnlyDictionary<string, string> Metadata) Read(IDictionary<string, string>? stored)
    {
        string? sha = null;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (stored is not null)
        {
            foreach (var (key, value) in stored)
            {
                if (string.Equals(key, Sha256Key, StringComparison.OrdinalIgnoreCase)) sha = IsSha256(value) ? value : null;
                else metadata[key.ToLowerInvariant()] = value;
            }
        }
        return (sha, metadata);
    }

    private static bool IsSha256(string value) => value.Length == 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}

/// <summary>
/// Block ids for one staged upload. Unique per writer (a GUID) so two writers of one blob never overwrite each
/// other's uncommitted blocks; equal length within the blob, as Azure requires.
/// </summary>
public static class BlockIds
{
    /// <summary>Most blocks in a block blob.</summary>
    public const int MaxBlocks = 50_000;

    public static string For(Guid writer, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxBlocks);
        return Convert.ToBase64String(Encoding.ASCII.GetBytes($"{writer:N}-{index:D6}"));
    }
}

/// <summary>Azure's rule for container names, checked before any request is made.</summary>
public static partial class ContainerNames
{
    public const string Rule = "3-63 characters of a-z, 0-9 and '-', starting with a letter or digit, no '--' and no '-' at the end";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Pattern();
}
