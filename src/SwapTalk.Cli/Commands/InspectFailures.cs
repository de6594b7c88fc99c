using SwapTalk.Core.Inference;
using SwapTalk.Core.Media;
using SwapTalk.Core.Models;

namespace SwapTalk.Cli.Commands;

/// <summary>How <c>swaptalk inspect</c> ends when it cannot do its work: one line, exit 2 for bad input (models included), 3 cancelled, 1 anything else.</summary>
internal static class InspectFailures
{
    public static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, Func<Task<int>> inspect)
    {
        try
        {
            return await inspect();
        }
        catch (MediaException e)
        {
            stderr.WriteLine($"swaptalk: {e.Message}");
            return e.IsBadInput ? InspectCommand.BadInput : InspectCommand.Failed;
        }
        catch (ModelContractException e)
        {
            stderr.WriteLine($"swaptalk: inspect needs the face_detector and face_landmarker models (YuNet and Peppa 68-point; ../shared/data/models holds them): {e.Message}");
            return InspectCommand.BadInput;
        }
        catch (OrtLibraryException e)
        {
            stderr.WriteLine($"swaptalk: {e.Message}");
            return InspectCommand.BadInput;
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"swaptalk: inspect: {Reason(e)}");
            return InspectCommand.BadInput;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("swaptalk: cancelled");
            return 3;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or OrtException or InvalidOperationException)
        {
            stderr.WriteLine($"swaptalk: inspect: {e.Message}");
            return InspectCommand.Failed;
        }
        catch (SwapTalk.Core.Jobs.BadInputException e)
        {
            stderr.WriteLine($"swaptalk: inspect: {string.Join("; ", e.Errors.Select(x => x.Message))}");
            return InspectCommand.BadInput;
        }
        catch (Exception e)
        {
            return new CommandFailures("inspect", stdout, stderr, json: false).Unexpected(e, "the inspection");
        }
    }

    /// <summary>The message without .NET's "(Parameter 'x')" suffix, which means nothing to a user.</summary>
    private static string Reason(ArgumentException e)
    {
        var suffix = e.ParamName is null ? null : $" (Parameter '{e.ParamName}')";
        return suffix is not null && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }
}
