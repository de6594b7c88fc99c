using Microsoft.DurableTask;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Workflow;

/// <summary>
/// How a job's activities are retried, as plain data (workflow inputs carry it, so tests can shorten the waits);
/// <see cref="ToTaskOptions"/> turns it into the SDK's <see cref="RetryPolicy"/>, which every engine applies.
/// Bad input is never retried: the same input fails the same way. Everything else is taken as transient.
/// </summary>
public sealed record JobRetry(int MaxNumberOfAttempts, TimeSpan FirstRetryInterval, double BackoffCoefficient = 2.0, TimeSpan? MaxRetryInterval = null)
{
    /// <summary>3 attempts, 5 s then 10 s apart: rides out a busy GPU or a storage hiccup, gives up on a real fault.</summary>
    public static JobRetry Default { get; } = new(3, TimeSpan.FromSeconds(5), 2.0, TimeSpan.FromMinutes(1));

    /// <summary>The activity call options: the SDK's retry policy, with a failure filter that lets bad input through unretried.</summary>
    public TaskOptions ToTaskOptions() => TaskOptions.FromRetryPolicy(
        new RetryPolicy(MaxNumberOfAttempts, FirstRetryInterval, BackoffCoefficient, MaxRetryInterval) { HandleFailure = IsTransient });

    public static bool IsTransient(TaskFailureDetails failure) => !IsBadInput(failure);

    /// <summary>
    /// True when the failure, or one it wraps, is a <see cref="BadInputException"/>. The type name is compared as well,
    /// because <see cref="TaskFailureDetails.IsCausedBy{T}"/> needs the type loadable where the failure is read.
    /// </summary>
    public static bool IsBadInput(TaskFailureDetails failure)
    {
        for (TaskFailureDetails? f = failure; f is not null; f = f.InnerFailure)
            if (f.ErrorType == typeof(BadInputException).FullName || f.IsCausedBy<BadInputException>()) return true;
        return false;
    }
}
