using System.Numerics;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using LengthPolicy = SwapTalk.Core.Jobs.LengthPolicy;
using SwapTalk.Core.Models;
using SwapTalk.Core.Stages;
using SwapTalk.Core.Telemetry;
using SwapTalk.Core.Vision.Detection;
using SwapTalk.Tests.Inference;
using SwapTalk.Tests.Support;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Stages;

/// <summary>The pipeline stages one at a time, with the real media engine and models where they need them.</summary>
public sealed class StageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<float[]> FeaturesOf(string wav, AudioChunking chunking)
    {
        var models = SharedServices.Models(await ModelsAsync());
        var path = Path.Combine(Dir, $"features-{Guid.NewGuid():N}.bin");
        var summary = await new AudioFeatureStage(Engine.Tools, models.Latent, chunking).ExtractAsync(wav, path, new StageClock("job-test"), Ct);
        await using var stream = File.OpenRead(path);
        var info = await AudioFeatureFile.ReadHeaderAsync(stream, path, Ct);
        (info.Count, info.Dim, info.FeatureRate).Should().Be((summary.FeatureCount, 768, 50.0));
        return (await AudioFeatureFile.ReadRowsAsync(stream, info, 0, info.Count, path, Ct)).Rows;
    }

    [Fact]
    public async Task Audio_features_in_small_chunks_equal_one_whole_track_run_and_the_probe_maths()
    {
        // 2.05 s of noise: not a whole number of hops, so the tail rule is exercised too.
        var random = new Random(7);
        var samples = Enumerable.Range(0, 32800).Select(_ => (float)(random.NextDouble() * 2 - 1) * 0.5f).ToArray();
        var wav = Path.Combine(Dir, $"noise-{Guid.NewGuid():N}.wav");
        WavFile.WriteFloat32(wav, samples, 16000);

        var whole = await FeaturesOf(wav, new AudioChunking { ChunkFeatures = 100_000, ContextFeatures = 0 });
        var chunked = await FeaturesOf(wav, new AudioChunking { ChunkFeatures = 7, ContextFeatures = 3 });
        whole.Length.Should().Be(32800 / 320 * 768, "floor(samples / hop) features");
        chunked.Should().Equal(whole, "for a per-hop encoder, chunking with context is exact");
        for (var f = 0; f < 32800 / 320; f += 17)
        {
            var energy = samples.AsSpan(f * 320, 320).ToArray().Select(x => (double)x * x).Average();
            whole[f * 768].Should().BeApproximately((float)energy, 1e-5f, $"feature {f} is its hop's mean square");
            whole[f * 768 + 767].Should().Be(whole[f * 768]);
        }
    }

    [Fact]
    public async Task Audio_features_of_a_file_without_audio_are_bad_input()
    {
        var extract = async () => await FeaturesOf(await MuteClipAsync(), AudioChunking.Default);
        (await extract.Should().ThrowAsync<BadInputException>()).Which.Errors.Single().Input.Should().Be("audio");
    }

    [Fact]
    public async Task Feature_rows_read_the_same_from_seekable_and_streaming_sources_and_truncation_is_named()
    {
        var header = AudioFeatureFile.Header(4, 5, 50);
        var rows = Enumerable.Range(0, 20).Select(i => (float)i).ToArray();
        var bytes = header.Concat(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rows.AsSpan()).ToArray()).ToArray();
        foreach (var stream in new Stream[] { new MemoryStream(bytes), new NonSeekable(bytes) })
        {
            var info = await AudioFeatureFile.ReadHeaderAsync(stream, "f.bin", Ct);
            var (read, first) = await AudioFeatureFile.ReadRowsAsync(stream, info, 2, 99, "f.bin", Ct);
            first.Should().Be(2);
            read.Should().Equal(rows[8..]);
        }
        var truncated = new MemoryStream(bytes[..^4]);
        var info2 = await AudioFeatureFile.ReadHeaderAsync(truncated, "f.bin", Ct);
        var act = () => AudioFeatureFile.ReadRowsAsync(truncated, info2, 0, 5, "f.bin", Ct);
        await act.Should().ThrowAsync<InvalidDataException>().WithMessage("'f.bin' ends early*");
        var garbage = () => AudioFeatureFile.ReadHeaderAsync(new MemoryStream(new byte[64]), "g.bin", Ct);
        await garbage.Should().ThrowAsync<InvalidDataException>().WithMessage("'g.bin' is not an audio-feature file*");
    }

    [Fact]
    public async Task Source_latents_round_trip_and_a_wrong_file_is_named()
    {
        var latents = new SourceLatents(2, 2, 2, Enumerable.Range(0, 8).Select(i => i * 0.5f).ToArray(), Enumerable.Range(0, 8).Select(i => -i * 1f).ToArray());
        var stream = new MemoryStream();
        await latents.WriteAsync(stream, Ct);
        stream.Position = 0;
        var back = await SourceLatents.ReadAsync(stream, "l.bin", Ct);
        back.Source.Should().Equal(latents.Source);
        back.Reference.Should().Equal(latents.Reference);
        var act = () => SourceLatents.ReadAsync(new MemoryStream(new byte[10]), "l.bin", Ct);
        await act.Should().ThrowAsync<InvalidDataException>().WithMessage("'l.bin' ends early*");
    }

    [Theory]
    [InlineData(25, 1, 17)]
    [InlineData(30000, 1001, 16)]
    [InlineData(60, 1, 40)]
    public void A_segments_audio_rows_hold_every_frames_window(long num, long den, int segmentFrames)
    {
        var rate = new Rational(num, den);
        var video = new VideoFacts(300, rate, 360, 288, rate.FrameSeconds(300), true, rate.FrameSeconds(300));
        var window = ModelManifest.Default.LipSyncWindow;
        var plan = JobPlanner.Plan(video, 12.5, new JobOptions { SegmentFrames = segmentFrames }, ManifestModelInventory.Layout(window));
        foreach (var segment in plan.Segments)
        {
            var (start, end) = SegmentRenderer.AudioRows(plan, segment, window, plan.AudioFeatureCount);
            for (var i = (int)segment.Output.Start; i < segment.Output.End; i++)
                foreach (var index in window.Indices(rate.FrameSeconds(i), rate.Inverse().Value, plan.AudioFeatureCount).Where(x => x >= 0))
                    index.Should().BeInRange(start, end - 1, $"frame {i} of segment {segment.Index}");
        }
    }

    [Fact]
    public void The_planners_feature_span_follows_the_lip_syncers_window()
    {
        ManifestModelInventory.Layout(ModelManifest.Default.LipSyncWindow).Should().Be(new AudioFeatureLayout(new Rational(50, 1), 5, 4));
    }

    [Fact]
    public void Only_segments_that_turn_back_need_random_access_to_their_source_frames()
    {
        var video = new VideoFacts(25, new Rational(25, 1), 360, 288, 1, true, 1);
        JobPlan Plan(LengthPolicy policy) => JobPlanner.Plan(video, 2.4, new JobOptions { SegmentFrames = 20, LengthPolicy = policy });
        var pingPong = Plan(LengthPolicy.PingPong);
        pingPong.Segments.Select(s => SegmentRenderer.NeedsRandomAccess(pingPong, s)).Should().Equal(false, true, true);
        var freeze = Plan(LengthPolicy.Freeze);
        freeze.Segments.Should().OnlyContain(s => !SegmentRenderer.NeedsRandomAccess(freeze, s), "freeze only repeats the last frame");
    }

    [Fact]
    public void Face_selections_pick_the_largest_the_most_central_or_the_most_confident()
    {
        using var frame = new PixelBuffer(400, 200);
        FaceDetection Face(float x, float y, float size, float score) => new(new RectF(x, y, size, size), score, new Vector2[5]);
        FaceDetection[] faces = [Face(10, 10, 120, 0.7f), Face(170, 70, 60, 0.8f), Face(300, 20, 80, 0.95f)];
        FaceSelectors.Choose(FaceSelection.Largest, frame, faces).Should().Be(0);
        FaceSelectors.Choose(FaceSelection.MostCentral, frame, faces).Should().Be(1);
        FaceSelectors.Choose(FaceSelection.MostConfident, frame, faces).Should().Be(2);
        FaceSelectors.Choose(FaceSelection.Largest, frame, []).Should().Be(-1);
    }

    [Fact]
    public async Task The_portrait_stage_takes_the_largest_of_several_faces()
    {
        // The astronaut at full size beside a half-size copy: two faces.
        var two = Path.Combine(Dir, $"two-faces-{Guid.NewGuid():N}.png");
        await Ffmpeg("-i", Portrait, "-filter_complex", "[0]split[a][b];[b]scale=256:256[s];[a]pad=800:512:0:0[p];[p][s]overlay=540:128", two);
        var models = SharedServices.Models(await ModelsAsync());
        var face = await new PortraitStage(models).EncodeAsync(two, FaceSelection.Largest, new StageClock("job-test"), Ct);
        face.FacesFound.Should().Be(2);
        face.Chosen.Box.Right.Should().BeLessThan(512, "the larger face is the left one");
        face.Latent.Should().HaveCount(models.Latent.LatentValues).And.OnlyContain(v => float.IsFinite(v));

        var single = await new PortraitStage(models).EncodeAsync(Portrait, FaceSelection.Largest, new StageClock("job-test"), Ct);
        single.FacesFound.Should().Be(1);
        (single.Width, single.Height).Should().Be((512, 512));
    }

    [Fact]
    public async Task Aligned_buffers_start_on_64_bytes_and_give_the_models_the_same_bits_every_time()
    {
        for (var i = 1; i < 40; i += 7) AlignedMemory.IsAligned(AlignedMemory.Floats(i * 1000)).Should().BeTrue();
        var models = SharedServices.Models(await ModelsAsync()).Latent;
        var random = new Random(3);
        var source = Enumerable.Range(0, models.LatentValues).Select(_ => (float)random.NextDouble()).ToArray();
        var targets = Enumerable.Range(0, 2 * models.LatentValues).Select(_ => (float)random.NextDouble()).ToArray();
        float[] Swap()
        {
            var t = AlignedMemory.Floats(targets.Length);
            targets.CopyTo(t);
            var output = new float[targets.Length];
            models.Swap(source, t, 2, output, AlignedMemory.Floats(targets.Length));
            return output;
        }
        var first = Swap();
        for (var k = 0; k < 3; k++) Swap().Should().Equal(first);
    }

    [Fact]
    public void A_stage_clock_totals_its_stages_and_emits_spans_and_measurements_tagged_with_job_and_segment()
    {
        using var recorder = new TelemetryRecorder("job-clock");
        var clock = new StageClock("job-clock", 3);
        using (clock.Measure(PipelineStages.Encode, frames: 8)) Thread.Sleep(5);
        clock.Add(PipelineStages.Decode, TimeSpan.FromMilliseconds(4));
        clock.Add(PipelineStages.Decode, TimeSpan.FromMilliseconds(6));
        var totals = clock.Totals().ToDictionary(t => t.Stage);
        totals[PipelineStages.Encode].Frames.Should().Be(8);
        totals[PipelineStages.Encode].Seconds.Should().BeGreaterThan(0.004);
        totals[PipelineStages.Decode].Should().Be(new StageTime(PipelineStages.Decode, 0.01, 2, 2));

        var snapshot = recorder.Snapshot();
        snapshot.Spans.Should().ContainSingle(s => s.Name == "stage encode").Which.Tags[SwapTalkTelemetry.Tags.SegmentIndex].Should().Be("3");
        snapshot.Metrics.Where(m => m.Instrument == "swaptalk.stage.duration").Select(m => m.Tags[SwapTalkTelemetry.Tags.Stage])
            .Should().BeEquivalentTo([PipelineStages.Encode, PipelineStages.Decode]);
    }

    [Fact]
    public async Task A_worker_with_its_own_models_folder_loads_from_it_whatever_the_job_names()
    {
        var models = await ModelsAsync();
        using var worker = new PipelineServices(new Core.Storage.FileSystemBlobStore(Path.Combine(Dir, $"w-{Guid.NewGuid():N}")), Engine,
            OrtRuntimeFixture.Runtime, modelsDirectory: models);
        worker.ModelsFor("/jobs/said/elsewhere").Should().Be(models);
        var inventory = await PipelineActivities.Inventory(worker).DescribeAsync("/jobs/said/elsewhere", Ct);
        inventory.Models.Should().HaveCount(ModelManifest.RequiredStages.Count);
        SharedServices.ModelsFor(models).Should().Be(models, "without a worker folder, the job's folder is used");
        var none = () => SharedServices.ModelsFor(" ");
        none.Should().Throw<BadInputException>().WithMessage("*models*no models folder*");
    }

    [Fact]
    public void Two_cores_render_two_segments_at_once_with_one_model_thread_each()
    {
        (PipelineOptions.DefaultSegmentParallelism(2), PipelineOptions.DefaultIntraOpThreads(2)).Should().Be((2, 1));
        (PipelineOptions.DefaultSegmentParallelism(1), PipelineOptions.DefaultIntraOpThreads(1)).Should().Be((1, 1));
        (PipelineOptions.DefaultSegmentParallelism(16), PipelineOptions.DefaultIntraOpThreads(16)).Should().Be((4, 4));
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
    }
}
