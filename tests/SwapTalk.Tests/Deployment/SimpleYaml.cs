namespace SwapTalk.Tests.Deployment;

/// <summary>
/// Reads the mapping-only subset of YAML that azure.yaml uses (nested keys, scalar values, comments)
/// into dotted paths, e.g. <c>services.functions.docker.path</c>. Sequences and flow style are refused
/// with a clear error rather than misread.
/// </summary>
public static class SimpleYaml
{
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var stack = new List<(int Indent, string Key)>();
        var lineNumber = 0;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            lineNumber++;
            var line = StripComment(raw).TrimEnd();
            if (line.Trim().Length == 0) continue;
            var indent = line.Length - line.TrimStart().Length;
            var content = line.Trim();
            if (content.StartsWith('-') || content.StartsWith('{') || content.StartsWith('['))
                throw new FormatException($"line {lineNumber}: sequences and flow style are not supported ('{content}')");
            var colon = content.IndexOf(':');
            if (colon <= 0) throw new FormatException($"line {lineNumber}: expected 'key: value', found '{content}'");
            var key = content[..colon].Trim();
            var value = content[(colon + 1)..].Trim();
            while (stack.Count > 0 && stack[^1].Indent >= indent) stack.RemoveAt(stack.Count - 1);
            var path = string.Join('.', stack.Select(s => s.Key).Append(key));
            if (value.Length == 0) stack.Add((indent, key));
            else values[path] = Unquote(value);
        }
        return values;
    }

    private static string StripComment(string line)
    {
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
            if (c is '"' or '\'') quote = c;
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1]))) return line[..i];
        }
        return line;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\'')
            ? value[1..^1] : value;
}
