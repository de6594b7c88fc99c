namespace SwapTalk.Core.Inference;

/// <summary>Where a library candidate came from; explicit choices never fall through to the next source.</summary>
public enum OrtLibrarySource
{
    Options,
    Environment,
    ToolsFolder,
    SystemLoader,
}

/// <summary>One place to load ONNX Runtime from: a file path, or a bare name for the system loader.</summary>
public sealed record OrtLibraryCandidate(OrtLibrarySource Source, string Path)
{
    public override string ToString() => Source switch
    {
        OrtLibrarySource.Options => $"{Path} (configured in options)",
        OrtLibrarySource.Environment => $"{Path} (from {OrtSettings.LibraryVariable})",
        OrtLibrarySource.ToolsFolder => $"{Path} (from {OrtSettings.ToolsPointerFile})",
        _ => $"{Path} (system loader's search path)",
    };
}

/// <summary>
/// Decides where to load libonnxruntime from: options, else <c>SWAPTALK_ORT_LIBRARY</c>, else the path
/// that scripts/setup.sh wrote into tools/onnxruntime/current (found by walking up from the
/// application's folder), else the loader's default name. A configured path is final: if it is
/// wrong the error says so instead of quietly loading some other library.
/// </summary>
public static class OrtLibraryLocator
{
    /// <summary>The candidates in order, plus notes on places that were looked at and skipped.</summary>
    public static (IReadOnlyList<OrtLibraryCandidate> Candidates, IReadOnlyList<string> Skipped) Find(
        string? configuredPath, string? environmentValue, string startDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configuredPath))
            return ([new OrtLibraryCandidate(OrtLibrarySource.Options, Path.GetFullPath(configuredPath))], []);
        if (!string.IsNullOrWhiteSpace(environmentValue))
            return ([new OrtLibraryCandidate(OrtLibrarySource.Environment, Path.GetFullPath(environmentValue))], []);

        var skipped = new List<string>();
        var candidates = new List<OrtLibraryCandidate>();
        var pointer = FindUpwards(startDirectory, OrtSettings.ToolsPointerFile);
        if (pointer is null)
            skipped.Add($"no {OrtSettings.ToolsPointerFile} in {startDirectory} or any parent (run scripts/setup.sh)");
        else
        {
            var target = File.ReadAllText(pointer).Trim();
            if (target.Length == 0) skipped.Add($"{pointer} is empty");
            else
            {
                var full = Path.IsPathRooted(target) ? target : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(pointer)!, target));
                if (File.Exists(full)) candidates.Add(new OrtLibraryCandidate(OrtLibrarySource.ToolsFolder, full));
                else skipped.Add($"{pointer} points to {full}, which does not exist (run scripts/setup.sh)");
            }
        }
        candidates.Add(new OrtLibraryCandidate(OrtLibrarySource.SystemLoader, OrtSettings.DefaultLibraryName));
        return (candidates, skipped);
    }

    private static string? FindUpwards(string start, string relative)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, relative);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
