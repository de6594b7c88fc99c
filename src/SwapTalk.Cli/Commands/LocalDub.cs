using SwapTalk.Core.Files;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Storage;
using SwapTalk.Core.Execution;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// <c>swaptalk dub</c> on this machine, as the user sees it end: the run (<see cref="DubRun"/>) and every way it can
/// fail mapped to an exit code and a message in the user's words (their flags and file names, never the work folder's copies).
/// </summary>
internal static class LocalDub
{
    public static async Task<int> RunAsync(JobRequest request, DubSettings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var fail = new CommandFailures("dub", stdout, stderr, settings.Json);
        string? jobId = null;
        string UserWords(string message) => jobId is null ? message : DubInputChecks.InUserWords(message, request, settings.WorkDirectory, jobId);
        try
        {
            return await DubRun.RunAsync(request, settings, stdout, stderr, fail, id => jobId = id, UserWords, cancellationToken);
        }
        catch (BadInputException e)
        {
            return fail.BadInput(e.Errors, DubInputChecks.FlagOf, UserWords);
        }
        catch (WorkFolderBusyException e)
        {
            return fail.Failed(DubCommand.BadInput, e.Message, "work folder in use", "--work");
        }
        catch (WorkflowFailedException e)
        {
            var cause = e.RootCause;
            if (e.IsPermanent)
                return fail.BadInput(DubInputChecks.FromFailureMessage(cause.ErrorMessage), DubInputChecks.FlagOf, UserWords);
            if (e.EnvironmentFailure != EnvironmentFailure.None)
                return fail.Failed(DubCommand.Failed, EnvironmentFailures.Sentence(e.EnvironmentFailure, settings.WorkDirectory, DubInputChecks.EstimateWorkBytes(request, settings)) +
                    "; run the same command again afterwards: finished segments are kept", "environment");
            var message = $"the job failed: {UserWords(cause.ErrorMessage)}";
            if (jobId is not null) message += $"\ndub: report: {Path.Combine(settings.WorkDirectory, BlobNames.Report(jobId))}";
            message += "\ndub: run the same command again to retry; finished segments are kept";
            return fail.Failed(DubCommand.Failed, message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return fail.Cancelled($"cancelled. Finished segments are kept in {settings.WorkDirectory}; run the same command again to resume.");
        }
        catch (MediaException e) when (e.IsBadInput)
        {
            return fail.BadInput([new JobInputError("input", e.Message)], DubInputChecks.FlagOf, UserWords);
        }
        catch (Exception e) when (EnvironmentFailures.Classify(e) is var kind and not EnvironmentFailure.None)
        {
            var folder = e.Message.Contains(Path.GetDirectoryName(request.Output!)!, StringComparison.Ordinal) && !e.Message.Contains(settings.WorkDirectory, StringComparison.Ordinal)
                ? Path.GetDirectoryName(request.Output!)!
                : settings.WorkDirectory;
            return fail.Failed(DubCommand.Failed, EnvironmentFailures.Sentence(kind, folder, DubInputChecks.EstimateWorkBytes(request, settings)), "environment");
        }
        catch (Exception e)
        {
            // Anything else, an OperationCanceledException not asked for by the user included.
            return fail.Unexpected(e, "the dub");
        }
    }
}
