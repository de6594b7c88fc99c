using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using SwapTalk.Azure;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;

namespace SwapTalk.Http;

/// <param name="MaxUploadBytes">Largest upload; the default (2 GiB) holds a 10-minute 1080p clip at 25 Mbit/s.</param>
/// <param name="ScratchDirectory">Where an upload is received before it is checked (a server-named file, deleted after).</param>
public sealed record UploadOptions(string ScratchDirectory, long MaxUploadBytes = UploadOptions.DefaultMaxUploadBytes)
{
    public const long DefaultMaxUploadBytes = 2L * 1024 * 1024 * 1024;
}

/// <summary>What the upload endpoint answers: where the file is now (a manifest reference) and what it holds.</summary>
public sealed record UploadView(string Id, string Kind, string Blob, long SizeBytes, Uri? Thumbnail,
    PortraitFactsView? Portrait, VideoFactsView? Video, AudioFactsView? Audio);

/// <summary>
/// <c>POST /api/uploads/{kind}</c> (kind: portrait, video, audio): the request body is the file. It is received into
/// a server-named scratch file within <see cref="UploadOptions.MaxUploadBytes"/> (413 past it), hashed, checked by
/// content (<see cref="IUploadInspector"/>: 422 naming the field and the reason, e.g. a portrait with no face), and
/// stored in the inbox as <c>uploads/{sha256}{extension}</c>: a name the server chose from the content, so nothing
/// the browser sends becomes a path, and the same file uploaded twice is one blob. The answer (201) gives the
/// manifest reference to start a job with and the facts the page shows. <c>GET /api/uploads/{kind}/{id}/thumbnail</c>
/// is its PNG.
/// </summary>
public sealed partial class UploadApi(IBlobStore inbox, string inboxContainer, IUploadInspector inspector, UploadOptions options)
{
    public const string Prefix = "uploads/";

    public UploadOptions Options => options;

    public async Task<ApiResponse> UploadAsync(ApiRequest request, string kind, CancellationToken cancellationToken)
    {
        if (!UploadKinds.All.Contains(kind))
            return ApiResponse.From(Problem.BadRequest("unknown-upload-kind", "Unknown upload kind",
                $"'{Redaction.Echo(kind)}' is not an upload kind; upload a {string.Join(", ", UploadKinds.All)}", request.Path,
                [new ProblemError("kind", "not an upload kind")]));
        var selection = FaceSelection.Largest;
        if (Query(request, "faceSelection") is { } named)
        {
            if (!FaceSelectors.Names.Contains(named))
                return ApiResponse.From(Problem.BadRequest("bad-face-selection", "Unknown face selection",
                    $"'{Redaction.Echo(named)}' is not a face selection; use {string.Join(", ", FaceSelectors.Names)}", request.Path,
                    [new ProblemError("options.faceSelection", "not a face selection")]));
            selection = FaceSelectors.Parse(named);
        }
        if (request.Header("Content-Length") is { } declared
            && long.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length > options.MaxUploadBytes)
            return ApiResponse.From(TooLarge(request, kind));

        Directory.CreateDirectory(options.ScratchDirectory);
        var scratch = Path.Combine(options.ScratchDirectory, $"upload-{Guid.NewGuid():N}.bin");
        try
        {
            var (size, sha) = await ReceiveAsync(request.Body, scratch, cancellationToken);
            if (size is null) return ApiResponse.From(TooLarge(request, kind));
            if (size == 0)
                return ApiResponse.From(Problem.BadRequest("empty-upload", "Empty upload", $"the {kind} is empty (0 bytes)", request.Path,
                    [new ProblemError(kind, "the file is empty")]));

            UploadInspection inspection;
            try
            {
                inspection = await inspector.InspectAsync(kind, scratch, selection, cancellationToken);
            }
            catch (BadInputException e)
            {
                // The checks name the file they read: here that is our scratch file, so say "the uploaded portrait".
                var errors = e.Errors.Select(x => new ProblemError(kind, Plain(x.Message, scratch, kind))).ToList();
                return ApiResponse.From(Problem.Of(422, "invalid-upload", $"This {kind} cannot be used",
                    errors.Count == 1 ? errors[0].Message : $"the {kind} has {errors.Count} problems", request.Path, errors));
            }

            var id = sha![..32];
            var name = Prefix + id + inspection.Extension;
            if (await inbox.GetPropertiesAsync(name, cancellationToken) is null)
                await inbox.WriteFileAsync(name, scratch, new BlobWriteOptions { ContentType = JobFiles.ContentType(name) }, cancellationToken);
            Uri? thumbnail = null;
            if (inspection.Thumbnail is { } png)
            {
                await inbox.WriteAsync(ThumbnailBlob(kind, id), new MemoryStream(png), new BlobWriteOptions { ContentType = "image/png" }, cancellationToken);
                thumbnail = new Uri(JobLinks.Root(request), $"{JobLinks.RoutePrefix}/uploads/{kind}/{id}/thumbnail");
            }
            return ApiResponse.Json(201, new UploadView(id, kind, $"{inboxContainer}/{name}", size.Value, thumbnail,
                inspection.Portrait, inspection.Video, inspection.Audio));
        }
        finally
        {
            File.Delete(scratch);
        }
    }

    /// <returns>The thumbnail's blob, or the problem (400 bad id or kind, 404 none).</returns>
    public async Task<(string? Blob, ApiResponse? Problem)> ThumbnailAsync(ApiRequest request, string kind, string uploadId, CancellationToken cancellationToken)
    {
        if (!UploadKinds.All.Contains(kind) || !UploadId().IsMatch(uploadId))
            return (null, ApiResponse.From(Problem.BadRequest("bad-upload-id", "Bad upload id",
                "an upload id is 32 hex digits of the upload's sha256, after a kind of portrait, video or audio", request.Path,
                [new ProblemError("uploadId", "not an upload id")])));
        var blob = ThumbnailBlob(kind, uploadId);
        return await inbox.ExistsAsync(blob, cancellationToken)
            ? (blob, null)
            : (null, ApiResponse.From(Problem.Of(404, "upload-not-found", "Upload not found", $"no {kind} thumbnail for upload '{uploadId}'", request.Path)));
    }

    public IBlobStore Store => inbox;

    private static string ThumbnailBlob(string kind, string id) => $"{Prefix}{id}.{kind}.png";

    /// <returns>(null, null) when over the limit; else the length and the sha256 in hex.</returns>
    private async Task<(long? Size, string? Sha)> ReceiveAsync(Stream body, string path, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long total = 0;
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        int n;
        while ((n = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += n;
            if (total > options.MaxUploadBytes) return (null, null);
            hash.AppendData(buffer, 0, n);
            await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
        }
        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private ProblemDetails TooLarge(ApiRequest request, string kind) =>
        Problem.Of(413, "upload-too-large", "Upload too large",
            $"the {kind} is over the upload limit of {Size(options.MaxUploadBytes)}", request.Path,
            [new ProblemError(kind, $"larger than {Size(options.MaxUploadBytes)}")]);

    private static string Size(long bytes) =>
        bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.#} GiB" : bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.#} MiB" : $"{bytes} bytes";

    private static string Plain(string message, string scratch, string kind) =>
        message.Replace($"'{scratch}'", $"the uploaded {kind}", StringComparison.Ordinal).Replace(scratch, $"the uploaded {kind}", StringComparison.Ordinal);

    private static string? Query(ApiRequest request, string name)
    {
        foreach (var pair in request.Url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (Uri.UnescapeDataString(kv[0]) == name) return kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
        }
        return null;
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex UploadId();
}
