using SwapTalk.Core.Inference;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Inference;

public class OrtLibraryLocatorTests
{
    [Fact]
    public void A_configured_path_is_the_only_candidate_even_when_the_environment_names_another()
    {
        var (candidates, skipped) = OrtLibraryLocator.Find("/opt/ort/libonnxruntime.so.1", "/env/libonnxruntime.so.1", "/tmp");
        candidates.Should().Equal(new OrtLibraryCandidate(OrtLibrarySource.Options, "/opt/ort/libonnxruntime.so.1"));
        skipped.Should().BeEmpty();
    }

    [Fact]
    public void The_environment_variable_comes_before_the_tools_folder()
    {
        var (candidates, _) = OrtLibraryLocator.Find(null, "/env/libonnxruntime.so.1", RepoPaths.Root);
        candidates.Should().Equal(new OrtLibraryCandidate(OrtLibrarySource.Environment, "/env/libonnxruntime.so.1"));
    }

    [Fact]
    public void The_tools_pointer_is_found_from_a_nested_folder_then_the_system_loader()
    {
        using var dir = new TempDir();
        var lib = Path.Combine(dir.Path, "tools", "onnxruntime", "9.9.9", "libonnxruntime.so.1");
        Directory.CreateDirectory(Path.GetDirectoryName(lib)!);
        File.WriteAllText(lib, "not really a library");
        File.WriteAllText(Path.Combine(dir.Path, "tools", "onnxruntime", "current"), lib + "\n");
        var nested = Directory.CreateDirectory(Path.Combine(dir.Path, "src", "bin", "Release")).FullName;

        var (candidates, skipped) = OrtLibraryLocator.Find(null, null, nested);
        candidates.Should().Equal(
            new OrtLibraryCandidate(OrtLibrarySource.ToolsFolder, lib),
            new OrtLibraryCandidate(OrtLibrarySource.SystemLoader, "libonnxruntime.so.1"));
        skipped.Should().BeEmpty();
    }

    [Fact]
    public void A_stale_tools_pointer_is_reported_and_the_system_loader_remains()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "tools", "onnxruntime"));
        File.WriteAllText(Path.Combine(dir.Path, "tools", "onnxruntime", "current"), "/gone/libonnxruntime.so.1");
        var (candidates, skipped) = OrtLibraryLocator.Find(null, null, dir.Path);
        candidates.Should().ContainSingle().Which.Source.Should().Be(OrtLibrarySource.SystemLoader);
        skipped.Should().ContainSingle().Which.Should().Contain("/gone/libonnxruntime.so.1, which does not exist");
    }

    [Fact]
    public void When_nothing_loads_the_error_lists_every_place_looked_at()
    {
        using var dir = new TempDir();
        var notALibrary = dir.File("libonnxruntime.so.1");
        File.WriteAllText(notALibrary, "plain text, not an ELF file");
        var act = () => OrtRuntime.LoadLibrary(
            [
                new OrtLibraryCandidate(OrtLibrarySource.Environment, "/missing/libonnxruntime.so.1"),
                new OrtLibraryCandidate(OrtLibrarySource.ToolsFolder, notALibrary),
                new OrtLibraryCandidate(OrtLibrarySource.SystemLoader, "libonnxruntime-does-not-exist.so.1"),
            ],
            ["no tools/onnxruntime/current in /somewhere or any parent (run scripts/setup.sh)"]);
        act.Should().Throw<OrtLibraryException>()
            .WithMessage("ONNX Runtime library not found. Looked at:*no tools/onnxruntime/current in /somewhere*"
                + "/missing/libonnxruntime.so.1 (from SWAPTALK_ORT_LIBRARY): no such file*"
                + $"{notALibrary} (from tools/onnxruntime/current): *"
                + "libonnxruntime-does-not-exist.so.1 (system loader's search path): *"
                + "Set SWAPTALK_ORT_LIBRARY*");
    }
}
