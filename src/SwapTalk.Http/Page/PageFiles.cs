using System.Reflection;
using System.Security.Cryptography;

namespace SwapTalk.Http;

/// <summary>One of the page's static files, with its type and a content hash for ETag.</summary>
public sealed record PageFile(string Name, byte[] Content, string ContentType, string ETag);

/// <summary>
/// The web page (plain HTML, CSS and JavaScript, nothing from the internet), embedded in this assembly so the CLI
/// and the Functions app serve the same bytes from wherever they run. Only the embedded names are served: a request
/// path is looked up in that fixed set, never joined onto a folder.
/// </summary>
public static class PageFiles
{
    private static readonly Lazy<IReadOnlyDictionary<string, PageFile>> Files = new(Load);

    public static IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>)Files.Value.Keys;

    /// <param name="name">"" or "index.html" for the page, else a file name such as "app.js".</param>
    public static PageFile? Get(string? name)
    {
        var key = string.IsNullOrEmpty(name) ? "index.html" : name;
        return Files.Value.GetValueOrDefault(key);
    }

    private static Dictionary<string, PageFile> Load()
    {
        var assembly = typeof(PageFiles).Assembly;
        var files = new Dictionary<string, PageFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("page/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var name = resource["page/".Length..];
            files[name] = new PageFile(name, content, TypeOf(name), $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }
        return files;
    }

    private static string TypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };
}
