using Microsoft.DurableTask;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Workflow;

/// <summary>
/// How a job's activities are retried, as plain data (workflow inputs carry it, so tests can shorten the waits);
/// <see cref="ToTaskOptions"/> turns it into the SDK's <see cref="RetryPolicy"/>, which every engine applies.
/// Bad input is never retried: the same input fails the same way; nor is a failure of the machine that a retry cannot
/// fix (no space left, permission denied, a read-only file system: <see cref="Files.EnvironmentFailures"/>). Everything
/// else is taken as transient.
/// </summary>
public sealed record JobRetry(int MaxNumberOfAttempts, TimeSpan FirstRetryInterval, double BackoffCoefficient = 2.0, TimeSpan? MaxRetryInterval = null)
{
    /// <summary>3 attempts, 5 s then 10 s apart: rides out a busy GPU or a storage hiccup, gives up on a real fault.</summary>
    public static JobRetry Default { get; } = new(3, TimeSpan.FromSeconds(5), 2.0, TimeSpan.FromMinutes(1));

    /// <summary>The activity call options: the SDK's retry policy, with a failure filter that lets bad input through unretried.</summary>
    public TaskOptions ToTaskOptions() => TaskOptions.FromRetryPolicy(
        new RetryPolicy(MaxNumberOfAttempts, FirstRetryInterval, BackoffCoefficient, MaxRetryInterval) { HandleFailure = IsTransient });

    public static bool IsTransient(TaskFailureDetails failure) => !IsPermanent(failure);

    /// <summary>Bad input, or a failure of the environment no retry fixes (anywhere down the failure chain).</summary>
    public static bool IsPermanent(TaskFailureDetails failure) => IsBadInput(failure) || EnvironmentFailureOf(failure) != Files.EnvironmentFailure.None;

    /// <summary>The first environment failure (no space, permission, read-only) down the failure chain, else None.</summary>
    public static Files.EnvironmentFailure EnvironmentFailureOf(TaskFailureDetails failure)
    {
        for (TaskFailureDetails? f = failure; f is not null; f = f.InnerFailure)
            if (Files.EnvironmentFailures.Classify(f.ErrorType, f.ErrorMessage) is var kind and not Files.EnvironmentFailure.None) return kind;
        return Files.EnvironmentFailure.None;
    }

    /// <summary>
    /// True when the failure, or one it wraps, is a <see cref="BadInputException"/>. The type name is compared as well,
    /// because <see cref="TaskFailureDetails.IsCausedBy{T}"/> needs the type loadable where the failure is read.
    /// </summary>
    public static bool IsBadInput(TaskFailureDetails failure)
    {
        for (TaskFailureDetails? f = failure; f is not null; f = f.InnerFailure)
            if (f.ErrorType == typeof(BadInputException).FullName || CausedBy(f)) return true;
        return false;
    }

    /// <summary>
    /// The SDK's type lookup by name throws when several loaded assemblies define a type of the failure's name
    /// (seen: "Multiple exception types with the name 'System.Net.Sockets.SocketException' were found"); that
    /// failure is then simply not bad input, rather than a crash of the retry decision.
    /// </summary>
    private static bool CausedBy(TaskFailureDetails failure)
    {
        try
        {
            return failure.IsCausedBy<BadInputException>();
        }
        catch (Exception e) when (e is InvalidOperationException or System.Reflection.AmbiguousMatchException or TypeLoadException or ArgumentException)
        {
            return false;
        }
    }
}
