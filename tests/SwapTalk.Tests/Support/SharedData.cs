using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace SwapTalk.Tests.Support;

/// <summary>
/// Access to ../shared/data (real models, faces, speech, clips). Tests that need it call
/// <see cref="Require"/>, which skips with a clear message where the folder is absent and
/// verifies each file's sha256 against SHA256SUMS before handing it out.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> DirLazy = new(Locate);
    private static readonly Lazy<Dictionary<string, string>> Sums = new(LoadSums);
    private static readonly ConcurrentDictionary<string, bool> Verified = new();

    /// <summary>The shared data folder, or null where absent.</summary>
    public static string? Dir => DirLazy.Value;

    public static string Require(string relativePath)
    {
        var dir = Dir;
        if (dir is null)
            Assert.Skip($"../shared/data is absent (looked beside {RepoPaths.Root}); this test needs '{relativePath}'");
        var path = Path.Combine(dir, relativePath);
        if (!File.Exists(path))
            Assert.Skip($"shared data file '{relativePath}' is absent in {dir}");
        Verified.GetOrAdd(relativePath, rel =>
        {
            if (!Sums.Value.TryGetValue(rel.Replace('\\', '/'), out var expected))
                throw new InvalidOperationException($"'{rel}' is not listed in {dir}/SHA256SUMS");
            using var stream = File.OpenRead(path);
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != expected)
                throw new InvalidOperationException($"'{rel}' sha256 {actual} does not match SHA256SUMS {expected}");
            return true;
        });
        return path;
    }

    public static string Face => Require("faces/astronaut.png");
    public static string Speech => Require("audio/jfk.wav");
    public static string GridClip(string name = "bbaf2n") => Require($"video/grid_{name}.mpg");
    public static string Model(string file) => Require($"models/{file}");

    private static string? Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("SWAPTALK_SHARED_DATA");
        if (!string.IsNullOrEmpty(fromEnv)) return Directory.Exists(fromEnv) ? fromEnv : null;
        var dir = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "data"));
        return Directory.Exists(dir) ? dir : null;
    }

    private static Dictionary<string, string> LoadSums()
    {
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(Path.Combine(Dir!, "SHA256SUMS")))
        {
            var parts = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2) sums[parts[1].TrimStart('*', ' ').Replace("./", "")] = parts[0].ToLowerInvariant();
        }
        return sums;
    }
}

/// <summary>Paths inside the repository, found from the test assembly's location.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SwapTalk.Functions.sln"))) return dir.FullName;
        throw new InvalidOperationException($"repository root (SwapTalk.Functions.sln) not found above {AppContext.BaseDirectory}");
    });

    public static string Root => RootLazy.Value;
}

/// <summary>A temporary directory removed on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string? prefix = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix ?? "swaptalk"}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
