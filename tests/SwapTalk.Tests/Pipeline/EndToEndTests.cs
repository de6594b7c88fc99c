using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Storage;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Pipeline;

/// <summary>
/// Whole dubs through the real activities (ffmpeg, ONNX Runtime, YuNet, 68-point landmarks, probe SwapTalk models)
/// and the local executor: frame counts, seams, pass-through, audio timing, the source's effect, length policies.
/// </summary>
public sealed class EndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_output_has_exactly_the_planned_frames_and_seams_neither_drop_nor_repeat_a_frame()
    {
        var dub = await Dubs.Baseline();
        var whole = await Dubs.OneSegment();

        dub.Plan.OutputFrameCount.Should().Be(GapFrames);
        dub.Plan.Segments.Select(s => (int)s.Output.Start).Skip(1).Should().Equal(Dubs.Seams);
        dub.Report.OutputFrames.Should().Be(GapFrames);
        dub.Report.SegmentsRendered.Should().Be(3);
        var frames = await FramesAsync(dub.Output);
        frames.Should().HaveCount(GapFrames);

        // Rendered as three segments or as one, every frame is the same bit for bit: no seam duplicates, drops or shifts a frame.
        var reference = await FramesAsync(whole.Output);
        reference.Should().HaveCount(GapFrames);
        for (var i = 0; i < GapFrames; i++)
            Differences(frames[i], reference[i]).Should().Be((0, 0), $"output frame {i} must not depend on where segments are cut (differing bytes, largest difference)");

        var info = await Engine.ProbeAsync(dub.Output, Ct);
        info.RequireVideo().FrameCount.Should().Be(GapFrames);
        info.Audio.Should().ContainSingle().Which.Duration.Should().BeApproximately(2.0, 1 / 25.0, "2 s of audio for 50 frames at 25 fps");
    }

    [Fact]
    public async Task Frames_without_a_face_pass_through_untouched_and_frames_with_one_are_replaced()
    {
        var dub = await Dubs.Baseline();
        var output = await FramesAsync(dub.Output);
        var input = await FramesAsync(await GapClipAsync());

        for (var i = 0; i < GapFrames; i++)
        {
            var black = i >= BlackFrames.Start && i < BlackFrames.End;
            output[i].AsSpan().SequenceEqual(input[i]).Should().Be(black, black ? $"frame {i} has no face" : $"frame {i} shows a face, which is replaced");
        }
        dub.Report.FramesWithFace.Should().Be(GapFrames - (BlackFrames.End - BlackFrames.Start));
    }

    [Fact]
    public async Task Tone_bursts_in_the_driving_audio_lift_exactly_the_frames_they_cover_also_across_seams()
    {
        var silent = await FramesAsync((await Dubs.Baseline()).Output);
        var bursts = await FramesAsync((await Dubs.Bursts()).Output);
        var expected = Dubs.Bursts25.SelectMany(b => Enumerable.Range(b.Start, b.End - b.Start))
            .Where(f => f < BlackFrames.Start || f >= BlackFrames.End) // no face, nothing to lip-sync
            .ToHashSet();
        expected.Should().Contain([16, 17, 33, 34], "bursts straddle the seams at 17 and 34");
        expected.Should().NotContain([22, 23], "the burst over frames 22..23 falls on black frames: no face, nothing to lip-sync");

        AssertLifted(silent, bursts, expected);
    }

    [Fact]
    public async Task Tone_bursts_reach_the_right_frames_at_30_fps()
    {
        var silent = await FramesAsync((await Dubs.Baseline30()).Output);
        var bursts = await FramesAsync((await Dubs.Bursts30()).Output);
        silent.Should().HaveCount(36);
        // [a, b) seconds covers frames [30a, 30b): at 0.1 s boundaries a frame's midpoint feature lies wholly inside or outside.
        var expected = Dubs.Bursts30Seconds.SelectMany(b => Enumerable.Range((int)Math.Round(b.Start * 30), (int)Math.Round((b.End - b.Start) * 30))).ToHashSet();
        expected.Should().Contain([11, 12, 23, 24], "bursts straddle the seams at 12 and 24");

        AssertLifted(silent, bursts, expected);
    }

    [Fact]
    public async Task A_colour_shifted_portrait_shifts_the_output_face_colour_and_leaves_faceless_frames_alone()
    {
        var normal = await FramesAsync((await Dubs.Baseline()).Output);
        var red = await FramesAsync((await Dubs.RedSource()).Output);
        var input = await FramesAsync(await GapClipAsync());
        red.Should().HaveCount(30);

        for (var i = 0; i < red.Length; i++)
        {
            if (i >= BlackFrames.Start && i < BlackFrames.End)
            {
                red[i].AsSpan().SequenceEqual(input[i]).Should().BeTrue($"frame {i} has no face");
                continue;
            }
            // Over the pasted face (where the normal dub changed the input), red rises and blue falls.
            double dr = 0, db = 0;
            var n = 0;
            for (var p = 0; p < red[i].Length; p += 3)
            {
                if (normal[i][p] == input[i][p] && normal[i][p + 1] == input[i][p + 1] && normal[i][p + 2] == input[i][p + 2]) continue;
                dr += red[i][p] - normal[i][p];
                db += red[i][p + 2] - normal[i][p + 2];
                n++;
            }
            n.Should().BeGreaterThan(2000, $"frame {i} has a pasted face");
            (dr / n).Should().BeGreaterThan(8, $"frame {i}: the red-shifted source reddens the face");
            (db / n).Should().BeLessThan(-8, $"frame {i}: and takes blue out of it");
        }
    }

    [Fact]
    public async Task Ping_pong_shows_each_output_frame_the_planned_source_frame()
    {
        var dub = await Dubs.PingPong();
        dub.Plan.OutputFrameCount.Should().Be(40);
        dub.Plan.FrameRule.Should().Be(FrameRule.PingPong);
        SegmentRenderer.NeedsRandomAccess(dub.Plan, dub.Plan.Segment(1)).Should().BeTrue("segment 1 turns at the clip's end");
        var frames = await FramesAsync(dub.Output);
        frames.Should().HaveCount(40);

        // Silent audio: an output frame is a function of its source frame alone, so equal sources give equal bits.
        var bySource = Enumerable.Range(0, 40).GroupBy(dub.Plan.SourceFrameOf).ToList();
        bySource.Should().HaveCount(25);
        foreach (var group in bySource)
            foreach (var i in group.Skip(1))
                Differences(frames[i], frames[group.First()]).Should().Be((0, 0), $"output {i} and {group.First()} both show source frame {group.Key} (differing bytes, largest difference)");
        frames[24].AsSpan().SequenceEqual(frames[25]).Should().BeFalse("the turn frame is not repeated");
        var info = await Engine.ProbeAsync(dub.Output, Ct);
        info.Audio.Single().Duration.Should().BeApproximately(1.6, 1 / 25.0);
    }

    [Fact]
    public async Task Freeze_holds_the_last_frame_until_the_audio_ends_in_an_H264_mp4()
    {
        var dub = await Dubs.Freeze();
        dub.Output.Should().EndWith(".mp4");
        var info = await Engine.ProbeAsync(dub.Output, Ct);
        var video = info.RequireVideo();
        (video.Codec, video.FrameCount).Should().Be(("h264", 40L));
        video.Duration.Should().BeApproximately(1.6, 1 / 25.0);
        info.Audio.Single().Codec.Should().Be("aac");
        info.Audio.Single().Duration.Should().BeApproximately(1.6, 1 / 25.0);
        var frames = await FramesAsync(dub.Output);
        for (var i = 25; i < 40; i++)
            MeanAbsoluteDifference(frames[i], frames[24]).Should().BeLessThan(3, $"frame {i} holds source frame 24 (H.264 adds only noise)");
    }

    [Fact]
    public async Task Trim_cuts_the_audio_to_the_video()
    {
        var dub = await Dubs.Trim();
        var info = await Engine.ProbeAsync(dub.Output, Ct);
        info.RequireVideo().FrameCount.Should().Be(25);
        info.Audio.Single().Duration.Should().BeApproximately(1.0, 1 / 25.0);
        dub.Report.OutputSeconds.Should().Be(1.0);
    }

    [Fact]
    public async Task Self_driven_uses_the_clips_own_audio_and_one_reference_from_its_first_face()
    {
        var dub = await Dubs.SelfDriven();
        dub.Report.Mode.Should().Be(JobMode.SelfDriven);
        dub.Report.ReferenceFrame.Should().Be(5, "frames 0..4 are black; the first face is in frame 5");
        dub.Report.FramesWithFace.Should().Be(20);
        dub.Plan.Segments.Should().HaveCount(2);

        await using (var stream = await dub.Store.OpenReadAsync(BlobNames.SourceLatent(dub.Result.Result.JobId), Ct))
            (await SourceLatents.ReadAsync(stream, "latents", Ct)).Reference.Should().NotBeNull("every segment reads the one stored reference");
        await using (var stream = await (await Dubs.Baseline()).Store.OpenReadAsync(BlobNames.SourceLatent((await Dubs.Baseline()).Result.Result.JobId), Ct))
            (await SourceLatents.ReadAsync(stream, "latents", Ct)).Reference.Should().BeNull("cross-driven: each frame is its own reference");

        var output = await FramesAsync(dub.Output);
        var input = await FramesAsync(await Dubs.BlackStartClipAsync());
        for (var i = 0; i < 5; i++) output[i].AsSpan().SequenceEqual(input[i]).Should().BeTrue($"frame {i} has no face");
        var info = await Engine.ProbeAsync(dub.Output, Ct);
        info.Audio.Single().Duration.Should().BeApproximately(1.0, 1 / 25.0, "the clip's own second of audio");
    }

    [Fact]
    public async Task The_report_names_stages_frames_and_models_with_their_hashes()
    {
        var dub = await Dubs.Baseline();
        var report = dub.Report;
        report.Outcome.Should().Be(JobOutcome.Succeeded);
        report.Stages.Select(s => s.Stage).Should().Equal("plan", "prepare-source", "audio-features", "render", "stitch");
        report.RenderStages.Select(s => s.Stage).Should().BeEquivalentTo(PipelineStages.Render.Append(PipelineStages.Probe));
        report.RenderStages.Should().OnlyContain(s => s.Seconds > 0 && s.Calls > 0);
        report.RenderFramesPerSecond.Should().BeGreaterThan(0);
        report.PortraitFaces.Should().Be(1);

        var models = await ModelsAsync();
        report.Models.Select(m => m.Name).Should().BeEquivalentTo(Core.Models.ModelManifest.RequiredStages);
        foreach (var m in report.Models)
        {
            m.Sha256.Should().Be(await JobIds.HashFileAsync(Path.Combine(models, m.File), Ct), m.File);
            m.Probe.Should().Be(m.Name is not ("face_detector" or "face_landmarker"), m.File);
        }
        report.Notes.Should().ContainSingle(n => n.Contains("probe models"));
        File.Exists(Path.Combine(dub.WorkDir, dub.Result.Result.ReportBlob)).Should().BeTrue();
    }

    /// <summary>
    /// Frames in <paramref name="expected"/> must differ from the silent dub, brighter on average (the probe's lip-sync
    /// signature: the lower face lifted by ~16 levels); every other frame must be identical to it, bit for bit.
    /// </summary>
    private static void AssertLifted(byte[][] silent, byte[][] bursts, HashSet<int> expected)
    {
        bursts.Should().HaveCount(silent.Length);
        var lifted = new List<int>();
        for (var i = 0; i < silent.Length; i++)
        {
            if (bursts[i].AsSpan().SequenceEqual(silent[i])) continue;
            lifted.Add(i);
            long sum = 0;
            var changed = 0;
            var max = 0;
            for (var p = 0; p < silent[i].Length; p++)
            {
                var d = bursts[i][p] - silent[i][p];
                if (d == 0) continue;
                sum += d;
                changed++;
                max = Math.Max(max, d);
            }
            ((double)sum / changed).Should().BeGreaterThan(3, $"frame {i} is brighter where it changed");
            max.Should().BeGreaterThan(10, $"frame {i} carries the ~16-level lift somewhere");
        }
        lifted.Should().BeEquivalentTo(expected, "the lip-sync signature appears in exactly the frames the bursts cover, with no offset");
    }

    private static (int Count, int Max) Differences(byte[] a, byte[] b)
    {
        var (count, max) = (0, 0);
        for (var i = 0; i < a.Length; i++)
        {
            var d = Math.Abs(a[i] - b[i]);
            if (d == 0) continue;
            count++;
            max = Math.Max(max, d);
        }
        return (count, max);
    }

    private static double MeanAbsoluteDifference(byte[] a, byte[] b)
    {
        long sum = 0;
        for (var i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return (double)sum / a.Length;
    }
}
