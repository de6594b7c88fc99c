using System.Numerics;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Inference;
using SwapTalk.Core.Media;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Core.Vision.Tracking;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Vision.Tracking;

/// <summary>The tracker's contract: ranges, feeding rules, options, selectors, jitter, and the smoother's evidence rule.</summary>
public class FaceTrackerApiTests
{
    [Fact]
    public void Input_range_adds_the_context_before_and_after_and_stops_at_the_clip_ends()
    {
        var tracker = FaceTrackData.Tracker;
        tracker.Smoother.ContextFrames.Should().Be(9);
        tracker.ContextFrames.Should().Be(11, "9 for the smoother and 2 earlier frames for the identity vote");
        tracker.InputRange(new FrameRange(100, 200), 1000).Should().Be(new FrameRange(89, 209));
        tracker.InputRange(new FrameRange(0, 40), 75).Should().Be(new FrameRange(0, 49));
        tracker.InputRange(new FrameRange(60, 75), 75).Should().Be(new FrameRange(49, 75));
        var outside = () => tracker.InputRange(new FrameRange(70, 80), 75);
        outside.Should().Throw<ArgumentOutOfRangeException>().WithMessage("output frames [70, 80) are not a non-empty part of a clip of 75 frames*");
        var empty = () => tracker.Begin(new FrameRange(5, 5), 75);
        empty.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task Frames_must_come_in_order_all_of_them_one_size_and_extra_frames_are_ignored()
    {
        var frames = await FaceTrackData.Frames("bbaf2n");
        var tracker = FaceTrackData.Tracker;
        using var builder = tracker.Begin(new FrameRange(30, 40), 75);
        builder.Input.Should().Be(new FrameRange(19, 49));
        builder.Add(5, frames[5]).Should().BeFalse("frames before the input range are ignored");
        var skip = () => builder.Add(20, frames[20]);
        skip.Should().Throw<ArgumentException>().WithMessage("frame 20 arrived but frame 19 was expected next; feed every frame of [19, 49) in order*");
        builder.Add(19, frames[19]).Should().BeTrue();
        var again = () => builder.Add(19, frames[19]);
        again.Should().Throw<ArgumentException>().WithMessage("frame 19 was already added*");
        using var small = new PixelBuffer(100, 80);
        var size = () => builder.Add(20, small);
        size.Should().Throw<ArgumentException>().WithMessage("frame 20 is 100x80 but earlier frames are 360x288*");
        for (var t = 20; t < 30; t++) builder.Add(t, frames[t]);
        var early = () => builder.Build();
        early.Should().Throw<InvalidOperationException>().WithMessage("the face track of frames [30, 40) needs frames [19, 49) of the clip's 75, but only [19, 30) were added");
        for (var t = 30; t < 60; t++) builder.Add(t, frames[t]).Should().Be(t < 49);
        var track = builder.Build();
        track.Frames.Should().Be(new FrameRange(30, 40));
        track.Count.Should().Be(10);
        (track.FrameWidth, track.FrameHeight, track.ClipFrameCount).Should().Be((360, 288, 75L));
        track.Timing.FramesRead.Should().Be(30);
        track.Timing.FramesLandmarked.Should().Be(28, "frames 19 and 20 only feed the identity vote of later frames");
        track[35].Index.Should().Be(35);
        var notInTrack = () => track[40];
        notInTrack.Should().Throw<ArgumentOutOfRangeException>().WithMessage("frame 40 is not in this track's frames [30, 40)*");
        var twice = () => builder.Build();
        twice.Should().Throw<InvalidOperationException>().WithMessage("*already built*");
        var late = () => builder.Add(48, frames[48]);
        late.Should().Throw<InvalidOperationException>();
        var whole = await FaceTrackData.WholeClip("bbaf2n");
        for (long t = 30; t < 40; t++) FaceTrackData.Fingerprint(track[t]).Should().Be(FaceTrackData.Fingerprint(whole[t]));
    }

    [Fact]
    public async Task One_tracker_builds_several_segments_at_once_with_the_same_results()
    {
        var frames = await FaceTrackData.Frames("pwij3p");
        var whole = await FaceTrackData.WholeClip("pwij3p");
        var tracker = FaceTrackData.Tracker;
        FrameRange[] segments = [new(0, 25), new(25, 50), new(50, 75)];
        var tracks = await Task.WhenAll(segments.Select(s => Task.Run(() =>
        {
            using var builder = tracker.Begin(s, 75);
            for (var t = builder.Input.Start; t < builder.Input.End; t++) builder.Add(t, frames[t]);
            return builder.Build();
        })));
        foreach (var track in tracks)
            foreach (var f in track.Items)
                FaceTrackData.Fingerprint(f).Should().Be(FaceTrackData.Fingerprint(whole[f.Index]), $"frame {f.Index}");
    }

    [Fact]
    public void Open_takes_both_models_from_a_catalog_and_names_a_missing_one()
    {
        using var dir = new TempDir();
        var manifest = ModelManifest.Default;
        var catalog = new ModelCatalog(OrtRuntimeFixture.Runtime, manifest, dir.Path);
        var missing = () => FaceTracker.Open(catalog);
        missing.Should().Throw<ModelContractException>().WithMessage("face_detector (*yunet_n_dynamic.onnx): missing file*");

        File.Copy(SharedData.Model("yunet_n_dynamic.onnx"), Path.Combine(dir.Path, "yunet_n_dynamic.onnx"));
        missing.Should().Throw<ModelContractException>().WithMessage("face_landmarker (*peppa_slim_160_68pt.onnx): missing file*");
        File.Copy(SharedData.Model("peppa_slim_160_68pt.onnx"), Path.Combine(dir.Path, "peppa_slim_160_68pt.onnx"));
        using var tracker = FaceTracker.Open(catalog, new FaceTrackOptions { VoteFrames = 5 });
        tracker.ContextFrames.Should().Be(13);
        tracker.Options.VoteFrames.Should().Be(5);
    }

    [Fact]
    public async Task The_landmarker_loads_without_its_weights_listed_as_inputs_and_gives_the_same_points()
    {
        var peppa = File.ReadAllBytes(SharedData.Model("peppa_slim_160_68pt.onnx"));
        var stripped = TrackerModels.WithoutInitializerInputs(peppa, out var removed);
        removed.Should().Be(152, "the export lists all 152 weights as inputs besides input1");
        var yunet = File.ReadAllBytes(SharedData.Model("yunet_n_dynamic.onnx"));
        TrackerModels.WithoutInitializerInputs(yunet, out var none).Should().BeSameAs(yunet);
        none.Should().Be(0);
        byte[] garbage = [1, 2, 3, 250, 251];
        TrackerModels.WithoutInitializerInputs(garbage, out _).Should().BeSameAs(garbage, "ONNX Runtime reports a broken file itself");

        var runtime = OrtRuntimeFixture.Runtime;
        using var original = runtime.OpenSession(SharedData.Model("peppa_slim_160_68pt.onnx"), new SessionSettings { IntraOpThreads = 1 });
        using var fast = runtime.OpenSession(stripped, "peppa", new SessionSettings { IntraOpThreads = 1 });
        fast.Inputs.Select(i => i.Name).Should().Equal("input1");
        var frames = await FaceTrackData.Frames("bbaf2n");
        var box = (await FaceTrackData.WholeClip("bbaf2n"))[0].Detection!.Box;
        var a = new Core.Vision.Landmarks.FaceLandmarker68(original).Detect(frames[0], box);
        var b = new Core.Vision.Landmarks.FaceLandmarker68(fast).Detect(frames[0], box);
        a.Zip(b).Max(p => Vector2.Distance(p.First, p.Second)).Should().BeLessThan(1e-3f);

        using var dir = new TempDir();
        File.WriteAllBytes(Path.Combine(dir.Path, "peppa_slim_160_68pt.onnx"), peppa);
        using var opened = TrackerModels.OpenLandmarker(new ModelCatalog(runtime, ModelManifest.Default, dir.Path));
        opened.Inputs.Should().ContainSingle().Which.Name.Should().Be("input1");
        File.WriteAllBytes(Path.Combine(dir.Path, "peppa_slim_160_68pt.onnx"), yunet);
        var wrong = () => TrackerModels.OpenLandmarker(new ModelCatalog(runtime, ModelManifest.Default, dir.Path));
        wrong.Should().Throw<ModelContractException>().WithMessage("face_landmarker (*peppa_slim_160_68pt.onnx): *input1*");
    }

    [Fact]
    public void Bad_options_are_refused_naming_the_option_and_value()
    {
        FaceTrackOptions[] bad =
        [
            new() { MinScore = 0 },
            new() { EvidenceScore = 0.7f },
            new() { MinFaceSize = -1 },
            new() { DetectionSide = 16 },
            new() { FallbackDetectionSide = 8 },
            new() { DetectionBatch = 0 },
            new() { VoteFrames = 0 },
            new() { MinOverlap = 0 },
            new() { CropSize = 1 },
        ];
        string[] names = ["MinScore", "EvidenceScore", "MinFaceSize", "DetectionSide", "FallbackDetectionSide", "DetectionBatch", "VoteFrames", "MinOverlap", "CropSize"];
        for (var i = 0; i < bad.Length; i++)
        {
            var options = bad[i];
            var make = () => FaceTrackData.NewTracker(options);
            make.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"face track {names[i]} must be*");
        }
        var smoothing = () => FaceTrackData.NewTracker(new FaceTrackOptions { Smoothing = new TrackSmoothingOptions { Radius = -1 } });
        smoothing.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Radius*");
    }

    [Fact]
    public void Selectors_pick_the_largest_or_the_nth_from_the_left_and_parse_from_text()
    {
        using var frame = new PixelBuffer(8, 8);
        static FaceDetection Face(float x, float size, float score = 0.9f) => new(new RectF(x, 10, size, size), score, new Vector2[5]);
        FaceDetection[] faces = [Face(300, 50), Face(10, 80), Face(150, 60)];
        FaceSelector.Largest.Choose(frame, 0, faces).Should().Be(1);
        FaceSelector.FromLeft(0).Choose(frame, 0, faces).Should().Be(1);
        FaceSelector.FromLeft(1).Choose(frame, 0, faces).Should().Be(2);
        FaceSelector.FromLeft(2).Choose(frame, 0, faces).Should().Be(0);
        FaceSelector.FromLeft(3).Choose(frame, 0, faces).Should().Be(-1, "there is no fourth face");
        FaceSelector.Largest.Choose(frame, 0, []).Should().Be(-1);
        FaceSelector.Largest.Choose(frame, 0, [Face(200, 50, 0.7f), Face(100, 50, 0.8f)]).Should().Be(1, "equal size: the better score");
        FaceSelector.Largest.Choose(frame, 0, [Face(200, 50), Face(100, 50)]).Should().Be(1, "equal size and score: the left one");

        // One vocabulary for dub and inspect: the job's FaceSelection names.
        FaceSelectors.Names.Select(FaceSelectors.Parse).Should().Equal(FaceSelection.Largest, FaceSelection.MostCentral, FaceSelection.MostConfident);
        FaceSelectors.Parse(" LARGEST ").Should().Be(FaceSelection.Largest);
        Enum.GetValues<FaceSelection>().Select(FaceSelectors.NameOf).Should().Equal(FaceSelectors.Names);
        FaceSelectors.For(FaceSelection.Largest).Should().BeSameAs(FaceSelector.Largest);
        var words = () => FaceSelectors.Parse("biggest");
        words.Should().Throw<ArgumentException>().WithMessage("face selection 'biggest' is not one of largest, most-central, most-confident*");
        var fromLeft = () => FaceSelector.FromLeft(-2);
        fromLeft.Should().Throw<ArgumentOutOfRangeException>().WithMessage("face index must be 0 or more*");
    }

    [Fact]
    public async Task A_selector_that_answers_out_of_range_is_named_in_the_error()
    {
        var frames = await FaceTrackData.Frames("bbaf2n");
        var tracker = FaceTrackData.NewTracker(new FaceTrackOptions { Selector = new Broken() });
        var run = () => FaceTrackData.Track(tracker, frames.Take(10).ToArray());
        run.Should().Throw<InvalidOperationException>().WithMessage("face selector broken chose face 7 of 1 in frame 0");
    }

    [Fact]
    public void Jitter_is_zero_for_steady_motion_and_measures_frame_to_frame_noise()
    {
        var steady = Enumerable.Range(0, 10).Select(t => new[] { new Vector2(3 * t, 100 - t), new Vector2(50 + 3 * t, 7) }).ToArray<Vector2[]?>();
        var still = TrackJitter.Measure(steady);
        (still.RmsPixels, still.Frames).Should().Be((0.0, 8));

        // A point at 0 and +1 px alternately: second differences of +-2 px.
        var zigzag = Enumerable.Range(0, 7).Select(t => new[] { new Vector2(t % 2, 0) }).ToArray<Vector2[]?>();
        TrackJitter.Measure(zigzag).RmsPixels.Should().BeApproximately(2, 1e-12);

        var gaps = (Vector2[]?[])zigzag.Clone();
        gaps[3] = null;
        TrackJitter.Measure(gaps).Frames.Should().Be(2, "only frames 1 and 5 have both neighbours");
        TrackJitter.Measure([]).Should().Be(new JitterMeasure(0, 0));
        var mixed = () => TrackJitter.Measure([[Vector2.Zero], [Vector2.Zero, Vector2.One], [Vector2.Zero]]);
        mixed.Should().Throw<ArgumentException>().WithMessage("frames 0..2 of the track have different point counts*");
    }

    [Fact]
    public void The_smoother_never_fills_a_gap_holding_a_frame_marked_empty()
    {
        Vector2[] At(float x) => [new(x, 10), new(x + 100, 10), new(x, 110)];
        var track = new Vector2[]?[] { At(0), At(10), null, At(30), At(40), null, null, At(70) };
        var smoother = new TrackSmoother(new TrackSmoothingOptions { Radius = 0, MaxGapFrames = 3 });
        var keepEmpty = new[] { false, false, true, false, false, false, false, false };
        var result = smoother.Smooth(track, 0, 8, 0, 8, keepEmpty);
        result.Select(r => r.Source).Should().Equal(
            TrackPointSource.Detected, TrackPointSource.Detected, TrackPointSource.None, TrackPointSource.Detected,
            TrackPointSource.Detected, TrackPointSource.Interpolated, TrackPointSource.Interpolated, TrackPointSource.Detected);
        result[5].Points![0].X.Should().Be(50);
        smoother.Smooth(track, 0, 8, 0, 8)[2].Source.Should().Be(TrackPointSource.Interpolated, "without the mark the gap is filled");
        var flags = () => smoother.Smooth(track, 0, 8, 0, 8, [true]);
        flags.Should().Throw<ArgumentException>().WithMessage("keepEmpty has 1 flags for 8 observations*");
    }

    private sealed class Broken : IFaceSelector
    {
        public int Choose(PixelBuffer frame, long frameIndex, IReadOnlyList<FaceDetection> faces) => 7;
        public override string ToString() => "broken";
    }
}
