using SwapTalk.Core.Activities;
using SwapTalk.Core.Media;

namespace SwapTalk.Core.FollowUps;

/// <summary>What a report must say about the output file as written, beyond what the job planned: its real size where H.264 padded it.</summary>
public sealed class WrittenOutputNotes(MediaEngine media)
{
    public async Task<List<ReportNote>> ForAsync(string outputPath, JobReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        var notes = new List<ReportNote>();
        var written = (await media.ProbeAsync(outputPath, cancellationToken)).RequireVideo();
        if (written.Width != report.Width || written.Height != report.Height)
            notes.Add(new("outputSize", $"output size: the file is {written.Width}x{written.Height}, the video {report.Width}x{report.Height}: H.264 4:2:0 needs even sides, so the last column/row is repeated (--lossless keeps the size)",
                new { width = written.Width, height = written.Height }));
        return notes;
    }
}
