using System.Globalization;
using SwapTalk.Bench;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Imaging;

/// <summary>The kernels bench runs end to end (quick mode) and each kept kernel agrees with OpenCvSharp's; no timing is asserted.</summary>
public class KernelBenchTests
{
    [Fact]
    public async Task Quick_run_gives_every_kept_kernel_an_opencv_row_and_both_sides_agree()
    {
        using var dir = new TempDir("kernel-bench");
        var report = await new KernelBench().RunAsync(new BenchContext(dir.Path, Quick: true, _ => { }), TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToMarkdown());
        report.Rows.Where(r => r.ReferenceName is not null).Select(r => r.Case).Distinct()
            .Should().Equal("512x512 -> NCHW float, x/127.5-1", "NCHW float -> 512x512, (x+1)*127.5", "mask 512x512 non-zero box");
        var agreement = report.Notes.Where(n => n.StartsWith("agreement: ")).ToList();
        agreement.Should().HaveCount(3);
        double.Parse(agreement[0].Split("largest difference ")[1], CultureInfo.InvariantCulture).Should().BeLessThan(1e-6, agreement[0]);
        agreement[1].Should().EndWith("largest difference 0 levels", "unpacking rounds exactly as convertTo does");
        agreement[2].Should().Contain("same box");
    }
}
