using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk dub</c>'s up-front validation with the real probes (faces, streams, sizes, lengths), adding what it finds to
/// the problems found so far, so that every problem is listed together; the probes are remembered for the job's own run.
/// </summary>
internal static class DubInputProbe
{
    public static async Task<(IJobInputInspector Inspector, JobValidationResult Validation)> ValidateAsync(PipelineServices services, JobRequest request,
        JobLimits limits, List<JobInputError> problems, CancellationToken cancellationToken)
    {
        IJobInputInspector inspector;
        try
        {
            inspector = new RememberingInspector(PipelineActivities.UpFrontInspector(services, request.Models));
        }
        catch (BadInputException e)
        {
            problems.AddRange(e.Errors);
            inspector = new RememberingInspector(new WithoutDetector(PipelineActivities.Inspector(services), e));
        }
        var validation = await new JobValidator(limits, inspector).ValidateAsync(request, cancellationToken);
        problems.AddRange(validation.Errors);
        return (inspector, validation);
    }

    /// <summary>The validator's probes, remembered: the runner validates again and must not decode the portrait twice.</summary>
    internal sealed class RememberingInspector(IJobInputInspector inner) : IJobInputInspector
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<object?>> _seen = new();

        public async Task<PortraitFacts> InspectPortraitAsync(string path, FaceSelection selection, CancellationToken cancellationToken) =>
            (PortraitFacts)(await _seen.GetOrAdd($"p|{selection}|{path}", async _ => await inner.InspectPortraitAsync(path, selection, cancellationToken)))!;

        public async Task<VideoFacts?> ProbeVideoAsync(string path, CancellationToken cancellationToken) =>
            (VideoFacts?)await _seen.GetOrAdd($"v|{path}", async _ => await inner.ProbeVideoAsync(path, cancellationToken));

        public async Task<AudioFacts?> ProbeAudioAsync(string path, CancellationToken cancellationToken) =>
            (AudioFacts?)await _seen.GetOrAdd($"a|{path}", async _ => await inner.ProbeAudioAsync(path, cancellationToken));
    }

    /// <summary>Probes the video and audio when the models folder has no usable face detector; the portrait check reports that problem (once: the same error).</summary>
    internal sealed class WithoutDetector(IJobInputInspector inner, BadInputException problem) : IJobInputInspector
    {
        public Task<PortraitFacts> InspectPortraitAsync(string path, FaceSelection selection, CancellationToken cancellationToken) =>
            Task.FromException<PortraitFacts>(new BadInputException(problem.Errors));

        public Task<VideoFacts?> ProbeVideoAsync(string path, CancellationToken cancellationToken) => inner.ProbeVideoAsync(path, cancellationToken);

        public Task<AudioFacts?> ProbeAudioAsync(string path, CancellationToken cancellationToken) => inner.ProbeAudioAsync(path, cancellationToken);
    }
}
