using System.Text.RegularExpressions;

namespace SwapTalk.Tests.Deployment;

/// <summary>A Dockerfile read as instructions: continuation lines joined, comments dropped.</summary>
public sealed class DockerfileSource
{
    private DockerfileSource(string text)
    {
        var instructions = new List<(string, string)>();
        var pending = "";
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            var line = raw.TrimEnd();
            if (pending.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0)) continue;
            if (line.EndsWith('\\')) { pending += line[..^1] + " "; continue; }
            pending += line;
            var match = Regex.Match(pending.Trim(), @"^(\w+)\s+(.*)$", RegexOptions.Singleline);
            if (!match.Success) throw new FormatException($"not a Dockerfile instruction: '{pending.Trim()}'");
            instructions.Add((match.Groups[1].Value.ToUpperInvariant(), match.Groups[2].Value.Trim()));
            pending = "";
        }
        if (pending.Length > 0) throw new FormatException("the Dockerfile ends inside a continued line");
        Instructions = instructions;
    }

    public IReadOnlyList<(string Keyword, string Arguments)> Instructions { get; }

    public static DockerfileSource Load(string path) => new(File.ReadAllText(path));
    public static DockerfileSource Parse(string text) => new(text);

    public IEnumerable<string> Arguments(string keyword) =>
        Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);

    /// <summary>ARG defaults (<c>ARG NAME=value</c>); an ARG without a default maps to null.</summary>
    public IReadOnlyDictionary<string, string?> Args =>
        Arguments("ARG").Select(a => a.Split('=', 2))
            .GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.Last().Length > 1 ? g.Last()[1].Trim() : null);

    /// <summary>Every ENV of the final stage (the image that runs), in <c>KEY=value</c> or legacy <c>KEY value</c> form.</summary>
    public IReadOnlyDictionary<string, string> FinalEnvironment
    {
        get
        {
            var lastFrom = Instructions.Select((i, n) => (i, n)).Last(x => x.i.Keyword == "FROM").n;
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (keyword, args) in Instructions.Skip(lastFrom))
            {
                if (keyword != "ENV") continue;
                if (!args.Contains('='))
                {
                    var parts = args.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
                    env[parts[0]] = parts.Length > 1 ? parts[1] : "";
                    continue;
                }
                foreach (Match pair in Regex.Matches(args, @"([A-Za-z_][A-Za-z0-9_]*)=(""[^""]*""|\S*)"))
                    env[pair.Groups[1].Value] = pair.Groups[2].Value.Trim('"');
            }
            return env;
        }
    }

    /// <summary>Destinations of COPY instructions in the final stage, with their sources.</summary>
    public IReadOnlyList<(string Source, string Destination, string? FromStage)> FinalCopies
    {
        get
        {
            var lastFrom = Instructions.Select((i, n) => (i, n)).Last(x => x.i.Keyword == "FROM").n;
            return Instructions.Skip(lastFrom).Where(i => i.Keyword == "COPY").Select(i =>
            {
                var words = i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
                string? from = null;
                foreach (var flag in words.Where(w => w.StartsWith("--", StringComparison.Ordinal)).ToList())
                {
                    if (flag.StartsWith("--from=", StringComparison.Ordinal)) from = flag["--from=".Length..];
                    words.Remove(flag);
                }
                return (string.Join(' ', words.SkipLast(1)), words[^1], from);
            }).ToList();
        }
    }
}
