using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Engines.Geometric.Mouth;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Geometric;

/// <summary>
/// The cross-driven mouth's calibration (issue 19): the first-formant band, the drive's rank, the target's range of
/// openings and the swapped mouth's read-back, measured by rendering the real portrait over a real GRID clip and
/// reading it back with the real landmarker.
/// </summary>
public sealed class MouthCalibrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_drive_band_passes_the_mid_frequencies_and_stops_voicing_and_hiss()
    {
        static double Gain(double hz)
        {
            var band = new FormantBand(16000);
            double inPower = 0, outPower = 0;
            for (var i = 0; i < 16000; i++)
            {
                var x = (float)Math.Sin(2 * Math.PI * hz * i / 16000);
                var y = band.Next(x);
                if (i < 4000) continue; // past the filters' settling
                inPower += x * x;
                outPower += y * y;
            }
            return Math.Sqrt(outPower / inPower);
        }
        Gain(1600).Should().BeGreaterThan(0.6, "1600 Hz lies in the band");
        Gain(120).Should().BeLessThan(0.05, "a voice's fundamental is below the band");
        Gain(6000).Should().BeLessThan(0.1, "sibilant hiss is above the band");
    }

    [Fact]
    public void Drive_scores_close_silence_and_closures_and_score_the_loudest_highest()
    {
        // 100 rows: silence, a quiet "aa", a loud "aa", a loud "pp" (lips pressed together), silence.
        var band = new float[100];
        var visemes = new float[100 * VisemeModel.Visemes];
        for (var i = 0; i < 100; i++)
        {
            band[i] = i is >= 20 and < 40 ? 0.4f : i is >= 40 and < 80 ? 1f : 0f;
            var v = i is >= 20 and < 60 ? Viseme.Aa : i is >= 60 and < 80 ? Viseme.PP : Viseme.Sil;
            visemes[i * VisemeModel.Visemes + (int)v] = 1;
        }
        var scores = MouthDriveStage.DriveScores(band, visemes);
        scores.Average().Should().BeApproximately(0, 1e-4f, "standardised over the track");
        scores[5].Should().Be(scores.Min(), "silence scores lowest");
        scores[50].Should().BeGreaterThan(scores[30], "loud speech scores above quiet speech");
        scores[70].Should().BeLessThan(scores[50] - 1, "lips pressed together (PP) score well below an open vowel as loud");
        var loudOnly = MouthDriveStage.DriveScores(band, null);
        loudOnly[70].Should().Be(loudOnly[50], "without visemes only the band's loudness counts");
        // Affine in the band: the same speech on a raised floor scores the same (away from the track's ends, where the
        // blend reaches past the track).
        var louder = MouthDriveStage.DriveScores([.. band.Select(b => 0.5f + 0.5f * b)], null);
        for (var i = 2; i < 98; i++) louder[i].Should().BeApproximately(loudOnly[i], 0.1f, $"row {i}"); // scores span -1.8..1.2
        MouthDriveStage.DriveScores(new float[50], null).Should().AllSatisfy(s => s.Should().Be(MouthDriveStage.Flat, "a silent track keeps the mouth closed"));
    }

    [Fact]
    public void The_range_puts_scores_on_the_targets_openings_and_the_read_back_inverts()
    {
        var range = MouthRange.Of([0.05f, 0.10f, 0.15f, 0.20f, 0.25f]);
        range.Mean.Should().BeApproximately(0.15f, 1e-5f);
        range.Deviation.Should().BeApproximately(MathF.Sqrt(0.005f), 1e-5f);
        range.At(0).Should().BeApproximately(0.15f, 1e-5f);
        range.At(1).Should().BeApproximately(0.15f + MathF.Sqrt(0.005f), 1e-5f);
        range.At(MouthDriveStage.Flat).Should().Be(0, "no opening below closed");

        MouthReadBack.Monotone([0.05f, 0.04f, 0.06f, 0.2f, 0.15f]).Should().Equal([0.045f, 0.045f, 0.06f, 0.175f, 0.175f], (a, b) => Math.Abs(a - b) < 1e-6f,
            "violators pooled to their mean, the rest kept");
        // A dead zone up to 0.1 asked, then one to one.
        var readBack = new MouthReadBack([0f, 0.1f, 0.2f, 0.3f], [0.05f, 0.05f, 0.15f, 0.25f], 1);
        readBack.Ask(0.02f).Should().Be(0, "narrower than the closed mouth reads: closed");
        readBack.Ask(0.10f).Should().BeApproximately(0.15f, 1e-5f);
        readBack.Ask(0.25f).Should().BeApproximately(0.3f, 1e-5f);
        readBack.Ask(0.9f).Should().Be(0.3f, "no wider than the widest asked");
    }

    private static readonly Lazy<Task<(GeometricSource Source, MediaInfo Clip)>> Calibrated = new(async () =>
    {
        var clip = await GapClipAsync(); // 2 s of bbaf2n
        var info = await Engine.ProbeAsync(clip, Ct);
        var stage = new GeometricSourceStage(Engine, await GeometricData.ModelsAsync());
        var source = await stage.PrepareAsync(SharedData.Face, FaceSelection.Largest, info, new StageClock("test"), Ct);
        return (source, info);
    });

    [Fact]
    public async Task PrepareSource_measures_the_targets_range_and_a_read_back_that_inverts_on_another_frame()
    {
        var (source, info) = await Calibrated.Value;
        var calibration = source.Calibration;
        calibration.Should().NotBeNull("a cross-driven source measures the target's mouth");
        var range = calibration!.Range;
        (range.Highest - range.Lowest).Should().BeGreaterThan(0.05f, "the GRID speaker opens and closes the mouth");
        range.Mean.Should().BeInRange(range.Lowest, range.Highest);
        range.Deviation.Should().BeGreaterThan(0.01f);
        range.RestWidth.Should().BeInRange(0.4f, 0.9f, "the mouth's mean width over the eye distance (a cross-driven width change is put on it)");
        var readBack = calibration.ReadBack!;
        readBack.Read.Should().BeInAscendingOrder();
        readBack.Read[0].Should().BeLessThan(0.08f, "asked closed, the swapped mouth reads about closed");
        (readBack.Read[^1] - readBack.Read[0]).Should().BeGreaterThan(0.15f, "a wide asked opening reads wide");

        // Another frame than the calibration's: asking the inverse reads back about the wanted opening.
        var models = await GeometricData.ModelsAsync();
        var track = await models.Tracker(FaceSelection.Largest).TrackAsync(Engine, info, new FrameRange(0, 50), Ct);
        var face = track.Items.First(f => f.Index >= 30 && f.Detection is not null);
        var renderer = new GeometricFaceRenderer(source);
        await foreach (var frame in Engine.ReadFramesAsync(info, new FrameRange(face.Index, face.Index + 1), new FrameReadOptions { Order = ColorOrder.Bgr }, Ct))
            using (frame)
                foreach (var wanted in new[] { 0.12f, 0.22f })
                {
                    using var copy = frame.Image.Clone();
                    renderer.Render(copy, face.Landmarks!, new MouthPose(readBack.Ask(wanted), 0));
                    var read = FaceGeometry.RelativeMouthOpening(models.Landmarks.Detect(copy, face.Detection!.Box));
                    read.Should().BeApproximately(wanted, 0.04f, $"asked {readBack.Ask(wanted):0.000} for {wanted}");
                }
    }

    [Fact]
    public async Task The_calibration_travels_with_the_source()
    {
        var (source, _) = await Calibrated.Value;
        using var stream = new MemoryStream();
        await source.WriteAsync(stream, Ct);
        stream.Position = 0;
        using var read = await GeometricSource.ReadAsync(stream, "source-face.bin", Ct);
        read.Calibration!.Range.Should().Be(source.Calibration!.Range);
        read.Calibration.Range.RestWidth.Should().BeGreaterThan(0);
        read.Calibration.ReadBack!.Asked.Should().Equal(source.Calibration.ReadBack!.Asked);
        read.Calibration.ReadBack.Read.Should().Equal(source.Calibration.ReadBack.Read);
        read.Calibration.ReadBack.SpreadGain.Should().Be(source.Calibration.ReadBack.SpreadGain);
        new GeometricFaceRenderer(read).Style.Calibration.Should().NotBeNull("the renderer's mouth style uses it");
    }
}
