using System.Text;
using System.Text.RegularExpressions;

namespace SwapTalk.Tests.Deployment;

/// <summary>
/// A Bicep file read as text (there is no Bicep compiler here): enough structure for the consistency
/// checks — params, modules and the params they pass, outputs, array variables — without evaluating
/// anything. Comments and string literals are masked first (offsets preserved), so braces or keywords
/// inside strings and comments never confuse the scan.
/// </summary>
public sealed partial class BicepSource
{
    private BicepSource(string path, string text)
    {
        Path = path;
        Text = text;
        (Structure, Code) = Mask(text);
        Params = ReadParams();
        Modules = ReadModules();
        Outputs = OutputPattern().Matches(Structure).Select(m => m.Groups[1].Value).ToList();
    }

    public string Path { get; }
    /// <summary>The file as written.</summary>
    public string Text { get; }
    /// <summary>Comments and every string (interpolations included) blanked: for brackets and keywords.</summary>
    public string Structure { get; }
    /// <summary>Comments and literal string text blanked, interpolated expressions kept: for identifier use.</summary>
    public string Code { get; }
    public IReadOnlyList<BicepParam> Params { get; }
    public IReadOnlyList<BicepModule> Modules { get; }
    public IReadOnlyList<string> Outputs { get; }

    public static BicepSource Load(string path) => new(path, File.ReadAllText(path));
    public static BicepSource Parse(string text, string path = "inline.bicep") => new(path, text);

    public BicepParam? Param(string name) => Params.FirstOrDefault(p => p.Name == name);

    /// <summary>Times an identifier is used outside its own <c>param</c> declaration.</summary>
    public int Uses(string identifier) =>
        Regex.Matches(Code, $@"(?<![\w.$@]){Regex.Escape(identifier)}(?!\w)").Count
        - Regex.Matches(Code, $@"^\s*param\s+{Regex.Escape(identifier)}(?!\w)", RegexOptions.Multiline).Count;

    /// <summary>The literal <c>name: '...'</c> values inside the array bound by <c>var {variable} = [ ... ]</c>.</summary>
    public IReadOnlyList<string> NamesInArrayVariable(string variable) =>
        NameEntryPattern().Matches(ArrayVariableText(variable)).Select(x => x.Groups[1].Value).ToList();

    /// <summary>The text of <c>var {variable} = [ ... ]</c> from its opening to its closing bracket.</summary>
    public string ArrayVariableText(string variable)
    {
        var m = Regex.Match(Structure, $@"^\s*var\s+{Regex.Escape(variable)}\s*=\s*\[", RegexOptions.Multiline);
        if (!m.Success) throw new InvalidOperationException($"{Path}: no 'var {variable} = [' array");
        var open = m.Index + m.Length - 1;
        return Text[open..(MatchingClose(Structure, open) + 1)];
    }

    /// <summary>The default of a param as written (string defaults without quotes), or null.</summary>
    public string? DefaultOf(string param)
    {
        var m = Regex.Match(Text, $@"^\s*param\s+{Regex.Escape(param)}\s+\S+\s*=\s*(.+?)\s*$", RegexOptions.Multiline);
        if (!m.Success) return null;
        var value = m.Groups[1].Value;
        return value.Length >= 2 && value[0] == '\'' && value[^1] == '\'' ? value[1..^1] : value;
    }

    /// <summary>The values listed under the <c>@allowed([...])</c> decorator of a param.</summary>
    public IReadOnlyList<string> AllowedValues(string param)
    {
        var declaration = Regex.Match(Structure, $@"^\s*param\s+{Regex.Escape(param)}\s", RegexOptions.Multiline);
        if (!declaration.Success) return [];
        var before = Structure[..declaration.Index];
        var allowed = before.LastIndexOf("@allowed(", StringComparison.Ordinal);
        var lastParam = Regex.Matches(before, @"^\s*param\s", RegexOptions.Multiline).LastOrDefault()?.Index ?? -1;
        if (allowed < 0 || allowed < lastParam) return [];
        var open = Structure.IndexOf('[', allowed);
        var close = MatchingClose(Structure, open);
        return Regex.Matches(Text[open..close], @"'([^']*)'").Select(x => x.Groups[1].Value).ToList();
    }

    private List<BicepParam> ReadParams() =>
        ParamPattern().Matches(Structure).Select(m =>
        {
            var type = m.Groups[2].Value.Trim();
            return new BicepParam(m.Groups[1].Value, type, HasDefault: m.Groups[3].Success, Nullable: type.EndsWith('?'));
        }).ToList();

    private List<BicepModule> ReadModules()
    {
        var modules = new List<BicepModule>();
        foreach (Match m in ModulePattern().Matches(Structure))
        {
            var pathStart = m.Index + m.Length;               // just after the opening quote
            var pathEnd = Text.IndexOf('\'', pathStart);
            var modulePath = Text[pathStart..pathEnd];
            var bodyOpen = Structure.IndexOf('{', pathEnd);
            var bodyClose = MatchingClose(Structure, bodyOpen);
            var keys = new List<string>();
            var paramsKey = TopLevelKeys(bodyOpen, bodyClose).FirstOrDefault(k => k.Name == "params");
            if (paramsKey.Name is not null)
            {
                var paramsOpen = Structure.IndexOf('{', paramsKey.End);
                keys.AddRange(TopLevelKeys(paramsOpen, MatchingClose(Structure, paramsOpen)).Select(k => k.Name));
            }
            modules.Add(new BicepModule(m.Groups[1].Value, modulePath, keys));
        }
        return modules;
    }

    /// <summary>Property names directly inside the object whose braces sit at <paramref name="open"/>/<paramref name="close"/>.</summary>
    private IEnumerable<(string Name, int End)> TopLevelKeys(int open, int close)
    {
        var depth = 0;
        var lineStart = true;
        for (var i = open + 1; i < close; i++)
        {
            var c = Structure[i];
            if (c is '{' or '[' or '(') depth++;
            else if (c is '}' or ']' or ')') depth--;
            if (c == '\n') { lineStart = true; continue; }
            if (char.IsWhiteSpace(c) || c == ',') continue;
            if (lineStart && depth == 0)
            {
                var key = KeyPattern().Match(Structure, i);
                if (key.Success && key.Index == i) yield return (key.Groups[1].Value, key.Index + key.Length);
            }
            lineStart = false;
        }
    }

    public static int MatchingClose(string structure, int open)
    {
        if (open < 0 || open >= structure.Length) throw new ArgumentOutOfRangeException(nameof(open));
        var depth = 0;
        for (var i = open; i < structure.Length; i++)
        {
            var c = structure[i];
            if (c is '{' or '[' or '(') depth++;
            else if (c is '}' or ']' or ')' && --depth == 0) return i;
        }
        throw new FormatException($"unbalanced bracket opened at offset {open}");
    }

    /// <summary>Blanks comments and strings; keeps newlines and offsets.</summary>
    public static (string Structure, string Code) Mask(string text)
    {
        var structure = new StringBuilder(text);
        var code = new StringBuilder(text);
        void Blank(StringBuilder b, int from, int to)
        {
            for (var k = from; k < to && k < b.Length; k++) if (b[k] != '\n') b[k] = ' ';
        }

        // Returns the index just past a single-quoted string that opens at `quote`.
        int String(int quote)
        {
            var i = quote + 1;
            while (i < text.Length)
            {
                if (text[i] == '\\') { Blank(structure, i, i + 2); Blank(code, i, i + 2); i += 2; continue; }
                if (text[i] == '\'') return i + 1;
                if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
                {
                    Blank(code, i, i + 2);
                    var end = Interpolation(i + 2);
                    Blank(structure, i, end);
                    if (end - 1 < code.Length) code[end - 1] = ' ';
                    i = end;
                    continue;
                }
                Blank(structure, i, i + 1);
                Blank(code, i, i + 1);
                i++;
            }
            throw new FormatException($"unterminated string at offset {quote}");
        }

        // Returns the index just past the '}' closing an interpolation whose expression starts at `start`.
        int Interpolation(int start)
        {
            var depth = 0;
            var i = start;
            while (i < text.Length)
            {
                var c = text[i];
                if (c == '\'') { i = String(i); continue; }
                if (c == '{') depth++;
                if (c == '}' && depth-- == 0) return i + 1;
                i++;
            }
            throw new FormatException($"unterminated interpolation at offset {start}");
        }

        var pos = 0;
        while (pos < text.Length)
        {
            if (string.CompareOrdinal(text, pos, "//", 0, 2) == 0)
            {
                var end = text.IndexOf('\n', pos);
                if (end < 0) end = text.Length;
                Blank(structure, pos, end); Blank(code, pos, end);
                pos = end;
            }
            else if (string.CompareOrdinal(text, pos, "/*", 0, 2) == 0)
            {
                var end = text.IndexOf("*/", pos + 2, StringComparison.Ordinal);
                end = end < 0 ? text.Length : end + 2;
                Blank(structure, pos, end); Blank(code, pos, end);
                pos = end;
            }
            else if (string.CompareOrdinal(text, pos, "'''", 0, 3) == 0)
            {
                var end = text.IndexOf("'''", pos + 3, StringComparison.Ordinal);
                if (end < 0) throw new FormatException($"unterminated multi-line string at offset {pos}");
                Blank(structure, pos + 3, end); Blank(code, pos + 3, end);
                pos = end + 3;
            }
            else if (text[pos] == '\'')
            {
                pos = String(pos);
            }
            else pos++;
        }
        return (structure.ToString(), code.ToString());
    }

    [GeneratedRegex(@"^[ \t]*param[ \t]+(\w+)[ \t]+([^=\r\n]+?)[ \t]*(=.*)?$", RegexOptions.Multiline)]
    private static partial Regex ParamPattern();

    [GeneratedRegex(@"^[ \t]*module[ \t]+(\w+)[ \t]+'", RegexOptions.Multiline)]
    private static partial Regex ModulePattern();

    [GeneratedRegex(@"^[ \t]*output[ \t]+(\w+)[ \t]+", RegexOptions.Multiline)]
    private static partial Regex OutputPattern();

    [GeneratedRegex(@"(\w+)[ \t]*:")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"\bname:\s*'([^'$]+)'")]
    private static partial Regex NameEntryPattern();
}

public sealed record BicepParam(string Name, string Type, bool HasDefault, bool Nullable)
{
    public bool Required => !HasDefault && !Nullable;
}

public sealed record BicepModule(string Symbol, string Path, IReadOnlyList<string> PassedParams);
