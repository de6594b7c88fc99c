using SwapTalk.Cli.Bench;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Imaging;

/// <summary>The kernels bench runs end to end (quick mode) and checks its outputs against OpenCV's; no timing is asserted.</summary>
public class KernelBenchTests
{
    [Fact]
    public async Task Quick_run_reports_every_case_with_the_opencv_reference_and_agreement()
    {
        if (!File.Exists("/usr/bin/python3"))
            Assert.Skip("Debian's /usr/bin/python3 is absent: the OpenCV reference cannot run here");
        using var dir = new TempDir("kernel-bench");
        var report = await new KernelBench(RepoPaths.Root, installReference: false).RunAsync(new BenchContext(dir.Path, Quick: true, _ => { }), TestContext.Current.CancellationToken);
        if (report.Notes.Any(n => n.StartsWith("OpenCV reference unavailable")))
            Assert.Skip("python3-opencv is not installed (the bench installs it; tests do not): " + string.Join("; ", report.Notes));
        report.Rows.Should().HaveCount(10);
        report.Rows.Should().OnlyContain(r => r.Reference > 0 && r.Value > 0 && r.Ratio > 0);
        // Agreement with OpenCV: warp and paste-back differ only by sub-pixel quantisation.
        var psnr = report.Notes.Where(n => n.Contains("PSNR")).ToList();
        psnr.Should().HaveCount(4);
        foreach (var note in psnr)
        {
            var value = note[(note.IndexOf("PSNR ", StringComparison.Ordinal) + 5)..].Split(' ')[0];
            (value == "Infinity" || double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) >= 40).Should().BeTrue(note);
        }
    }
}
