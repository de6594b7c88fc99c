using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;

namespace SwapTalk.Azure.Manifests;

/// <summary>
/// A job input named in a cloud manifest as <c>container/path/in/container</c> (e.g. <c>inbox/alice/face.png</c>):
/// a blob the caller uploaded, not a local path and not a URL. The container must be one the host reads inputs
/// from (the Functions app's HostSettings.InputContainers); the name follows the store's rules (<see cref="BlobName"/>).
/// </summary>
public sealed record BlobReference(string Container, string Name)
{
    public override string ToString() => $"{Container}/{Name}";

    /// <summary>Parses <paramref name="text"/> for the manifest field <paramref name="input"/>; the error names the field and, redacted, the value.</summary>
    public static BlobReference? TryParse(string? text, string input, IReadOnlyCollection<string> allowedContainers, List<JobInputError> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(new(input, "no blob given; name it as container/path, e.g. inbox/alice/face.png"));
            return null;
        }
        if (text.Contains("://", StringComparison.Ordinal))
        {
            errors.Add(new(input, $"'{Redaction.Echo(text)}' is a URL; name the uploaded blob as container/path (e.g. inbox/alice/face.png), without an account or a SAS token"));
            return null;
        }
        var slash = text.IndexOf('/');
        if (slash <= 0 || slash == text.Length - 1)
        {
            errors.Add(new(input, $"'{Redaction.Echo(text)}' is not container/path; e.g. {allowedContainers.First()}/alice/face.png"));
            return null;
        }
        var container = text[..slash];
        var name = text[(slash + 1)..];
        if (!allowedContainers.Contains(container))
        {
            errors.Add(new(input, $"container '{Redaction.Echo(container)}' is not one inputs are read from; use {string.Join(" or ", allowedContainers)}"));
            return null;
        }
        try
        {
            BlobName.Validate(name);
        }
        catch (InvalidBlobNameException ex)
        {
            errors.Add(new(input, $"'{Redaction.Echo(text)}' is not a usable blob name: {Redaction.Echo(ex.Message)}"));
            return null;
        }
        return new BlobReference(container, name);
    }

    /// <summary>Parses a reference already validated (workflow and activity inputs carry the text form).</summary>
    public static BlobReference Parse(string text)
    {
        var slash = text.IndexOf('/');
        if (slash <= 0) throw new ArgumentException($"'{Redaction.Echo(text)}' is not container/path", nameof(text));
        return new BlobReference(text[..slash], BlobName.Validate(text[(slash + 1)..]));
    }
}
