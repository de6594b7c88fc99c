using System.CommandLine;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Models;
using SwapTalk.Http;

namespace SwapTalk.Cli.Commands;

/// <summary><c>swaptalk serve</c>'s options, checked and read into the server's settings.</summary>
internal sealed class ServeArguments
{
    private readonly Option<string> _urls = new("--urls") { Description = "where to listen, ';'-separated; an address other machines can reach needs --token", DefaultValueFactory = _ => ServeCommand.DefaultUrl };
    private readonly Option<DirectoryInfo?> _work = new("--work") { Description = "where jobs and uploads are kept (default: ./.swaptalk-serve); keep it and jobs resume after a restart" };
    private readonly Option<DirectoryInfo?> _models = new("--models") { Description = $"the models folder every job uses (default: ${ModelCatalog.DirectoryVariable}, else ./models)" };
    private readonly Option<string?> _token = new("--token") { Description = $"access token for API requests (default: ${AccessToken.EnvironmentVariable}); required off loopback" };
    private readonly Option<long> _maxUpload = new("--max-upload-bytes") { Description = "largest upload (default 2 GiB: a 10-minute 1080p clip)", DefaultValueFactory = _ => UploadOptions.DefaultMaxUploadBytes };
    private readonly Option<int?> _parallel = new("--parallel") { Description = $"segments rendered at once (default {PipelineOptions.DefaultSegmentParallelism(Environment.ProcessorCount)} on this machine)" };
    private readonly Option<bool> _noEval = new("--no-eval") { Description = "skip the evaluation after each job (it adds the time of one pass over the output)" };

    public IEnumerable<Option> All => [_urls, _work, _models, _token, _maxUpload, _parallel, _noEval];

    /// <summary>The server's settings, or null with the first problem on stderr.</summary>
    public (ServeOptions Options, PipelineOptions Pipeline, bool Evaluate)? Read(ParseResult parse, TextWriter stderr)
    {
        var list = new List<Uri>();
        foreach (var text in parse.GetValue(_urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp)
                return Problem(stderr, $"--urls '{text}' is not an http:// address (e.g. {ServeCommand.DefaultUrl})");
            list.Add(url);
        }
        var accessToken = parse.GetValue(_token) ?? Environment.GetEnvironmentVariable(AccessToken.EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(accessToken)) accessToken = null;
        if (AccessToken.Check(list, accessToken) is { } problem) return Problem(stderr, problem);
        if (parse.GetValue(_maxUpload) < 1) return Problem(stderr, "--max-upload-bytes must be positive");
        var modelsDir = parse.GetValue(_models)?.FullName ?? ModelCatalog.ResolveDirectory(null);
        if (!Directory.Exists(modelsDir))
            return Problem(stderr, $"the models folder {modelsDir} does not exist (--models DIR or ${ModelCatalog.DirectoryVariable})");
        var options = new ServeOptions(list, parse.GetValue(_work)?.FullName ?? Path.GetFullPath(".swaptalk-serve"), Path.GetFullPath(modelsDir),
            accessToken, parse.GetValue(_maxUpload));
        var pipeline = new PipelineOptions { Limits = options.Limits ?? JobLimits.Default };
        pipeline = pipeline with
        {
            SegmentParallelism = parse.GetValue(_parallel) ?? pipeline.SegmentParallelism,
            ScratchDirectory = Path.Combine(options.WorkDirectory, ".scratch"),
        };
        return (options, pipeline, !parse.GetValue(_noEval));
    }

    private static (ServeOptions, PipelineOptions, bool)? Problem(TextWriter stderr, string message)
    {
        stderr.WriteLine($"serve: {message}");
        return null;
    }
}
