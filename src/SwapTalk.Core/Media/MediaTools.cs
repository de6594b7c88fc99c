namespace SwapTalk.Core.Media;

/// <summary>
/// Where the ffmpeg and ffprobe binaries are. Resolved from SWAPTALK_FFMPEG / SWAPTALK_FFPROBE,
/// else found on PATH; a clear error when absent (nothing is downloaded at run time).
/// </summary>
public sealed record MediaTools(string Ffmpeg, string Ffprobe)
{
    public const string FfmpegVariable = "SWAPTALK_FFMPEG";
    public const string FfprobeVariable = "SWAPTALK_FFPROBE";

    private static readonly Lazy<MediaTools> Default = new(() => Resolve(Environment.GetEnvironmentVariable));

    /// <summary>The tools resolved once from this process's environment.</summary>
    public static MediaTools FromEnvironment() => Default.Value;

    /// <summary>Resolves both tools from the given variable lookup (tests pass their own).</summary>
    public static MediaTools Resolve(Func<string, string?> variable) =>
        new(Find("ffmpeg", FfmpegVariable, variable), Find("ffprobe", FfprobeVariable, variable));

    private static string Find(string name, string variableName, Func<string, string?> variable)
    {
        var configured = variable(variableName);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            // FFMpegCore finds a binary by its folder and standard name, so the name itself must be the standard one.
            if (File.Exists(configured) && Path.GetFileName(configured) == name) return Path.GetFullPath(configured);
            if (File.Exists(configured))
                throw new MediaException(configured, $"{variableName} names '{Path.GetFileName(configured)}'; the binary must be called '{name}' (FFMpegCore finds it by folder): point {variableName} at a '{name}' file, e.g. a link");
            throw new MediaException(configured, $"{variableName} points to '{configured}', which does not exist; set it to the {name} binary or unset it to use PATH");
        }
        foreach (var dir in (variable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new MediaException(name, $"{name} was not found on PATH; install ffmpeg (scripts/setup.sh does: apt-get install ffmpeg) or set {variableName}");
    }
}
