using System.Diagnostics;
using System.Globalization;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;

namespace SwapTalk.Core.Activities;

/// <summary>
/// Stitch: the segments concatenated in order by stream copy, the driving audio muxed to AAC with the plan's
/// policy (always the video's length: the plan already applied the job's length policy to the frames), as the job's
/// output blob: H.264/AAC MP4, or Matroska for lossless jobs. Checks that the output has exactly the planned frames.
/// </summary>
public sealed class StitchActivity(PipelineServices services) : IActivity<StitchInput, StitchResult>
{
    public async Task<StitchResult> RunAsync(StitchInput input, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var store = services.Store;
        var plan = await store.ReadJsonAsync<JobPlan>(input.PlanBlob, cancellationToken: cancellationToken);
        if (input.SegmentCount != plan.Segments.Count)
            throw new InvalidOperationException($"stitch was asked for {input.SegmentCount} segments, the plan has {plan.Segments.Count}");
        var name = Path.ChangeExtension(input.OutputBlob, plan.Quality.OutputExtension);
        var clock = new StageClock(input.JobId);

        var produced = await store.ProduceOnceAsync(name, async (PendingBlob pending, CancellationToken ct) =>
        {
            var locals = new List<LocalBlobFile>();
            try
            {
                for (var i = 0; i < plan.Segments.Count; i++)
                    locals.Add(await store.GetLocalFileAsync(SegmentMetadata.BlobName(input.JobId, i, plan.Quality), ct));
                locals.Add(await store.GetLocalFileAsync(input.AudioBlob, ct));
                var audio = locals[^1].LocalPath;
                var segments = locals.Take(plan.Segments.Count).Select(l => l.LocalPath).ToArray();

                // The stitcher picks the container from the extension; a store's pending path may not keep it.
                var target = string.Equals(Path.GetExtension(pending.LocalPath), plan.Quality.OutputExtension, StringComparison.OrdinalIgnoreCase)
                    ? pending.LocalPath
                    : Path.Combine(services.Options.ScratchDirectory, $"stitch-{Guid.NewGuid():N}{plan.Quality.OutputExtension}");
                try
                {
                    Media.StitchResult stitched;
                    using (clock.Measure(PipelineStages.Stitch, plan.OutputFrameCount))
                        stitched = await services.Media.StitchAsync(segments, audio, target, ct);
                    if (stitched.VideoFrames != plan.OutputFrameCount)
                        throw new InvalidOperationException($"the stitched output has {stitched.VideoFrames} frames, the plan {plan.OutputFrameCount}");
                    if (target != pending.LocalPath) File.Move(target, pending.LocalPath);
                    pending.Metadata[PreparedMetadata.Frames] = stitched.VideoFrames.ToString(CultureInfo.InvariantCulture);
                }
                finally
                {
                    if (target != pending.LocalPath && File.Exists(target)) File.Delete(target);
                }
            }
            finally
            {
                foreach (var l in locals) await l.DisposeAsync();
            }
        }, new BlobWriteOptions { ContentType = plan.Quality.Lossless ? "video/x-matroska" : "video/mp4" },
            reuseIf: p => p.Metadata.ContainsKey(PreparedMetadata.Frames), cancellationToken);

        var frames = int.Parse(produced.Properties.Metadata[PreparedMetadata.Frames], CultureInfo.InvariantCulture);
        return new StitchResult(name, frames, plan.FrameRate.FrameSeconds(frames), watch.Elapsed.TotalSeconds);
    }
}
