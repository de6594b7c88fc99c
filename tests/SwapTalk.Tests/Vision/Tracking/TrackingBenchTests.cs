using System.Globalization;
using SwapTalk.Bench;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Vision.Tracking;

/// <summary>The tracking bench runs end to end (quick mode) and its two sides agree; no timing is asserted.</summary>
public class TrackingBenchTests
{
    [Fact]
    public async Task Quick_run_reports_every_case_beside_opencv_and_the_two_sides_find_the_same_landmarks()
    {
        _ = SharedData.GridClip("bbaf2n");
        _ = SharedData.Model("yunet_n_640_640.onnx");
        _ = SharedData.Model("peppa_slim_160_68pt.onnx");
        _ = OrtRuntimeFixture.Runtime;
        using var dir = new TempDir("tracking-bench");
        var report = await new TrackingBench().RunAsync(new BenchContext(dir.Path, Quick: true, _ => { }), TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToMarkdown());
        report.Rows.Should().HaveCount(7);
        report.Rows.Where(r => r.ReferenceName!.StartsWith("swaptalk")).Should().HaveCount(3);
        if (report.Notes.Any(n => n.StartsWith("OpenCV reference unavailable")))
        {
            // scripts/setup.sh (run by the test command) installs python3-opencv: under CI its absence is a failure.
            var why = "python3-opencv is not installed (scripts/setup.sh installs it): " + string.Join("; ", report.Notes);
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(why);
            Assert.Skip(why);
        }
        var agreement = report.Notes.Single(n => n.StartsWith("agreement"));
        var rms = double.Parse(agreement.Split(" lie ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        rms.Should().BeLessThan(2, "the same models on the same frames give the same landmarks, up to how each side resizes the crop");
        agreement.Should().EndWith("over 25 faces");
        Directory.EnumerateFiles(dir.Path, "*.bgr", SearchOption.AllDirectories).Should().BeEmpty("the raw frames for the reference are removed");
    }
}
