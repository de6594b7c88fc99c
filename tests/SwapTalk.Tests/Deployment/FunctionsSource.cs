using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using SwapTalk.Core.Hosting;

namespace SwapTalk.Tests.Deployment;

/// <summary>One <c>[Function(...)]</c> method: its resolved name, its trigger attribute and that attribute's arguments.</summary>
public sealed record FunctionDeclaration(string File, string NameExpression, string? Name, string? Trigger, string TriggerArguments, string Body);

/// <summary>
/// The Functions app's C# read as text (it cannot be compiled here: its packages do not restore). Comments and the
/// insides of string literals are masked for structure, constant expressions such as
/// <c>"%" + AppSettingNames.InboxContainer + "%/{name}"</c> are evaluated against the core's constants.
/// </summary>
public sealed partial class FunctionsSource
{
    public static readonly string[] Triggers = ["HttpTrigger", "BlobTrigger", "TimerTrigger", "OrchestrationTrigger", "ActivityTrigger"];

    private FunctionsSource(IReadOnlyDictionary<string, string> files)
    {
        Files = files;
        Functions = files.SelectMany(f => Declarations(f.Key, f.Value)).ToList();
    }

    /// <summary>File name (relative to the project) to its text with comments removed.</summary>
    public IReadOnlyDictionary<string, string> Files { get; }

    public IReadOnlyList<FunctionDeclaration> Functions { get; }

    public static FunctionsSource Load(string projectDirectory) => new(
        Directory.EnumerateFiles(projectDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Order(StringComparer.Ordinal)
            .ToDictionary(p => Path.GetRelativePath(projectDirectory, p), p => StripComments(File.ReadAllText(p))));

    public static FunctionsSource Parse(params (string File, string Text)[] files) =>
        new(files.ToDictionary(f => f.File, f => StripComments(f.Text)));

    /// <summary>Removes // and /* */ comments, leaving string literals as they are.</summary>
    public static string StripComments(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                var end = StringEnd(text, i);
                result.Append(text, i, end - i);
                i = end - 1;
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
                result.Append('\n');
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? text.Length : end + 1;
                result.Append(' ');
            }
            else result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>Replaces the characters inside string literals with spaces (offsets kept), so braces in strings do not count.</summary>
    public static string MaskStrings(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] != '"') continue;
            var end = StringEnd(text, i);
            for (var j = i + 1; j < end - 1; j++) chars[j] = ' ';
            i = end - 1;
        }
        return new string(chars);
    }

    /// <summary>
    /// Evaluates a constant string expression: literals and <c>Type.Constant</c> names joined by '+'. Null when a
    /// part is neither (the expression is not a constant this reader knows).
    /// </summary>
    public static string? EvaluateConstant(string expression)
    {
        var result = new StringBuilder();
        foreach (var part in SplitTopLevel(expression.Trim(), '+'))
        {
            var p = part.Trim();
            if (p.Length >= 2 && p[0] == '"' && p[^1] == '"') result.Append(Regex.Unescape(p[1..^1]));
            else if (QualifiedName().Match(p) is { Success: true } m && Constant(m.Groups[1].Value, m.Groups[2].Value) is { } value) result.Append(value);
            else return null;
        }
        return result.ToString();
    }

    /// <summary>The value of a public constant of a core type, by simple type name (AppSettingNames, ActivityNames...).</summary>
    public static string? Constant(string typeName, string member)
    {
        var type = typeof(AppSettingNames).Assembly.GetTypes().SingleOrDefault(t => t.Name == typeName && t.IsPublic);
        return type?.GetField(member, BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field ? field.GetRawConstantValue() as string : null;
    }

    /// <summary>The arguments of the first <c>[Name(...)]</c> attribute in <paramref name="text"/>, or null.</summary>
    public static string? AttributeArguments(string text, string attribute)
    {
        var masked = MaskStrings(text);
        var match = Regex.Match(masked, $@"\[{attribute}(?:Attribute)?\s*\(");
        if (!match.Success) return null;
        var open = match.Index + match.Length - 1;
        var close = MatchingParen(masked, open);
        return text[(open + 1)..close];
    }

    /// <summary>Splits at <paramref name="separator"/> outside parentheses, brackets, braces and strings.</summary>
    public static IReadOnlyList<string> SplitTopLevel(string text, char separator)
    {
        var masked = MaskStrings(text);
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < masked.Length; i++)
        {
            var c = masked[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth--;
            else if (c == separator && depth == 0)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }
        parts.Add(text[start..]);
        return parts;
    }

    private static IEnumerable<FunctionDeclaration> Declarations(string file, string text)
    {
        var masked = MaskStrings(text);
        var starts = Regex.Matches(masked, @"\[Function\s*\(").Select(m => m.Index).ToList();
        for (var k = 0; k < starts.Count; k++)
        {
            var open = masked.IndexOf('(', starts[k]);
            var close = MatchingParen(masked, open);
            var nameExpression = text[(open + 1)..close].Trim();
            var end = k + 1 < starts.Count ? starts[k + 1] : text.Length;
            var declaration = text[close..end];
            var trigger = Triggers.FirstOrDefault(t => Regex.IsMatch(MaskStrings(declaration), $@"\[{t}\s*[\(\]]"));
            var arguments = trigger is null ? "" : AttributeArguments(declaration, trigger) ?? "";
            var maskedDeclaration = MaskStrings(declaration);
            var bodyStart = maskedDeclaration.IndexOf("=>", StringComparison.Ordinal);
            var braceStart = maskedDeclaration.IndexOf('{');
            var body = bodyStart >= 0 && (braceStart < 0 || bodyStart < braceStart) ? declaration[(bodyStart + 2)..] : declaration[Math.Max(0, braceStart)..];
            yield return new FunctionDeclaration(file, nameExpression, EvaluateConstant(nameExpression), trigger, arguments, body);
        }
    }

    private static int StringEnd(string text, int quote)
    {
        // Verbatim (@"..") and raw strings do not occur in the Functions code; regular literals with escapes do.
        var i = quote + 1;
        while (i < text.Length && text[i] != '"')
        {
            if (text[i] == '\\') i++;
            i++;
        }
        return Math.Min(i + 1, text.Length);
    }

    private static int MatchingParen(string masked, int open)
    {
        var depth = 0;
        for (var i = open; i < masked.Length; i++)
        {
            if (masked[i] == '(') depth++;
            else if (masked[i] == ')' && --depth == 0) return i;
        }
        throw new FormatException("unbalanced parentheses");
    }

    [GeneratedRegex(@"^(?:[A-Za-z_][A-Za-z0-9_]*\.)*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex QualifiedName();
}
