using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SwapTalk.Core.Activities;
using SwapTalk.Azure.Manifests;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Telemetry;

namespace SwapTalk.Azure.Starting;

/// <summary>StageInputs: copy a cloud job's input blobs (<c>container/path</c>) to jobs/{jobId}/input/.</summary>
public sealed record StageInputsInput(string JobId, string Portrait, string Video, string? Audio) : IJobScoped;

/// <param name="Reused">Inputs already staged by an earlier attempt (not copied again).</param>
public sealed record StageInputsResult(JobInputBlobs Inputs, long Bytes, int Reused, double Seconds);

/// <summary>
/// Copies each input into the job's own folder, so the job never sees a blob the caller overwrites or deletes
/// mid-job, and every later activity reads one store under deterministic names. Idempotent: a staged copy carries
/// the reference it came from (metadata <see cref="SourceMetadataKey"/>) and is reused by a retry. Bad input (a
/// missing, empty or oversized blob) is <see cref="BadInputException"/>, never retried; the copy is atomic, so a
/// failed or cut-off copy leaves nothing under the input's name.
/// </summary>
/// <remarks>Runs as an activity (not in the trigger) because a video can be gigabytes and triggers must answer quickly.</remarks>
public sealed class StageInputsActivity(JobStores stores, JobLimits? limits = null) : IActivity<StageInputsInput, StageInputsResult>
{
    /// <summary>Metadata key of a staged input: sha256 of its <c>container/path</c> (metadata must be ASCII; names need not be).</summary>
    public const string SourceMetadataKey = "source_ref";

    private readonly JobLimits _limits = limits ?? JobLimits.Default;

    public async Task<StageInputsResult> RunAsync(StageInputsInput input, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var span = SwapTalkTelemetry.StartStage("stage", input.JobId);
        long bytes = 0;
        var reused = 0;

        async Task<string> Stage(JobInputRole role, string reference)
        {
            var (name, length, wasReused) = await StageOneAsync(input.JobId, role, reference, cancellationToken);
            bytes += length;
            if (wasReused) reused++;
            return name;
        }

        var inputs = new JobInputBlobs(
            await Stage(JobInputRole.Portrait, input.Portrait),
            await Stage(JobInputRole.Video, input.Video),
            input.Audio is null ? null : await Stage(JobInputRole.Audio, input.Audio));
        return new StageInputsResult(inputs, bytes, reused, watch.Elapsed.TotalSeconds);
    }

    /// <summary>The metadata value that ties a staged copy to its source reference.</summary>
    public static string SourceTag(string reference) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reference)));

    private async Task<(string Name, long Length, bool Reused)> StageOneAsync(string jobId, JobInputRole role, string reference, CancellationToken cancellationToken)
    {
        var field = role.ToString().ToLowerInvariant();
        var source = BlobReference.Parse(reference);
        var target = BlobNames.Input(jobId, role, source.Name);
        var tag = SourceTag(reference);
        if (await stores.Jobs.GetPropertiesAsync(target, cancellationToken) is { } staged
            && staged.Metadata.TryGetValue(SourceMetadataKey, out var stagedTag) && stagedTag == tag)
            return (target, staged.ContentLength, true);

        Stream content;
        try
        {
            content = await stores.Input(source.Container).OpenReadAsync(source.Name, cancellationToken);
        }
        catch (BlobNotFoundException)
        {
            throw new BadInputException(field, $"blob '{Redaction.Echo(reference)}' does not exist; upload it before starting the job");
        }

        BlobProperties written;
        await using (content)
        await using (var limited = new LimitedReadStream(content, _limits.MaxInputBytes, field, reference))
            written = await stores.Jobs.WriteAsync(target, limited,
                new BlobWriteOptions { Metadata = new Dictionary<string, string> { [SourceMetadataKey] = tag } }, cancellationToken);
        if (written.ContentLength == 0)
        {
            await stores.Jobs.DeleteAsync(target, cancellationToken);
            throw new BadInputException(field, $"blob '{Redaction.Echo(reference)}' is empty (0 bytes)");
        }
        return (target, written.ContentLength, false);
    }

    /// <summary>Reads through to the source and fails with bad input once more than the limit has come through.</summary>
    private sealed class LimitedReadStream(Stream inner, long limit, string field, string reference) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            _read += n;
            if (_read > limit)
                throw new BadInputException(field, $"blob '{Redaction.Echo(reference)}' is over the limit of {limit} bytes");
            return n;
        }
    }
}
