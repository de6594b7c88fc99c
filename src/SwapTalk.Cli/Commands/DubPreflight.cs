using SwapTalk.Core.Evaluation;
using SwapTalk.Core.Files;
using SwapTalk.Core.Jobs;

namespace SwapTalk.Cli.Commands;

/// <summary>
/// What <c>swaptalk dub</c> finds wrong before any media or model code runs, all at once: its options, the input
/// files, every output location, the work folder and, with <c>--eval</c>, the identity model.
/// </summary>
internal sealed record DubPreflight(List<JobInputError> Problems, OwnOutputs Own, List<UserOutput> Outputs, string? IdentityModel)
{
    public static DubPreflight Check(JobRequest request, DubSettings settings, JobLimits limits)
    {
        var problems = new List<JobInputError>();
        if (settings.Parallelism is < 1 or > 64) problems.Add(new("--parallel", $"{settings.Parallelism} is out of range; use 1..64"));
        if (settings.Threads is < 0 or > 256) problems.Add(new("--threads", $"{settings.Threads} is out of range; use 0 (ORT's choice) .. 256"));
        if (settings.Batch is < 1 or > 64) problems.Add(new("--batch", $"{settings.Batch} is out of range; use 1..64"));
        problems.AddRange(new JobValidator(limits).CheckRequest(request with { Output = null })); // the output is checked below with every other output
        var own = new OwnOutputs(settings.WorkDirectory);
        var outputs = DubInputChecks.Outputs(request, settings);
        problems.AddRange(OutputCheck.Check(DubInputChecks.Inputs(request, settings), outputs, settings.Force, own.IsOwn));
        problems.AddRange(OutputCheck.CheckWorkFolder("--work", settings.WorkDirectory));
        string? identityModel = null;
        if (settings.Evaluate)
        {
            identityModel = EvaluationModels.ResolveIdentityModel(settings.IdentityModel, request.Models);
            if (!File.Exists(identityModel))
                problems.Add(new(settings.IdentityModel is null ? "--eval" : "--identity-model",
                    $"the identity model '{identityModel}' does not exist (MobileFaceNet; give --identity-model FILE, or put {EvaluationModels.IdentityModelFile} in the models folder)"));
        }
        else if (settings.IdentityModel is not null)
            problems.Add(new("--identity-model", "is only used with --eval"));
        return new DubPreflight(problems, own, outputs, identityModel);
    }
}
