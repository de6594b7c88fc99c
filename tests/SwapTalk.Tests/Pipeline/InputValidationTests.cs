using SwapTalk.Core.Activities;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Storage;
using static SwapTalk.Tests.Pipeline.PipelineData;

namespace SwapTalk.Tests.Pipeline;

/// <summary>
/// Up-front validation with the real inspector (ffprobe through the media engine, YuNet for the portrait): each
/// problem is reported against the input it concerns, with what is wrong, before any work starts.
/// </summary>
public sealed class InputValidationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<IReadOnlyList<JobInputError>> Validate(JobRequest request, JobLimits? limits = null)
    {
        var inspector = PipelineActivities.UpFrontInspector(SharedServices, request.Models);
        var result = await new JobValidator(limits, inspector).ValidateAsync(request, Ct);
        return result.Errors;
    }

    private static async Task<JobRequest> Good(string? audio = "silence") =>
        Request(await ShortClipAsync(), audio is null ? null : await SilenceAsync(1), await ModelsAsync(), new JobOptions());

    private static async Task<string> TextFile(string name)
    {
        var path = Path.Combine(Dir, name);
        await File.WriteAllTextAsync(path, "These are meeting notes, not media.\n", Ct);
        return path;
    }

    [Fact]
    public async Task The_plans_probe_of_a_video_is_the_one_its_segments_reuse()
    {
        // A copy of its own, so no earlier test's probe is in the cache.
        var video = Path.Combine(Dir, $"probe-once-{Guid.NewGuid():N}.mkv");
        File.Copy(await ShortClipAsync(), video);
        var facts = await PipelineActivities.Inspector(SharedServices).ProbeVideoAsync(video, Ct);
        facts.Should().NotBeNull();

        // The same size and modification time, but bytes ffprobe cannot read: only the plan's cached probe can answer.
        var modified = File.GetLastWriteTimeUtc(video);
        await File.WriteAllBytesAsync(video, new byte[new FileInfo(video).Length], Ct);
        File.SetLastWriteTimeUtc(video, modified);
        var segmentProbe = await SharedServices.ProbeVideoAsync(video, Ct);
        segmentProbe.Video!.FrameCount.Should().Be(facts!.FrameCount, "the segments read the probe the plan made instead of running ffprobe again");

        // A rewritten file is probed again (the cache is keyed by size and modification time).
        await File.WriteAllTextAsync(video, "no longer a video\n", Ct);
        var act = () => PipelineActivities.Inspector(SharedServices).ProbeVideoAsync(video, Ct);
        (await act.Should().ThrowAsync<BadInputException>()).Which.Errors.Should().ContainSingle().Which.Input.Should().Be("video");
    }

    [Fact]
    public async Task A_valid_request_passes_and_reports_what_it_probed()
    {
        var inspector = PipelineActivities.UpFrontInspector(SharedServices, await ModelsAsync());
        var result = await new JobValidator(null, inspector).ValidateAsync(await Good(), Ct);
        result.Errors.Should().BeEmpty();
        result.Portrait.Should().Be(new PortraitFacts(512, 512, 1));
        result.Video!.FrameCount.Should().Be(25);
        result.Video.FrameRate.Should().Be(new Rational(25, 1));
        (result.Video.Width, result.Video.Height, result.Video.HasAudio).Should().Be((360, 288, true));
        result.Audio!.DurationSeconds.Should().BeApproximately(1.0, 0.001);
    }

    [Fact]
    public async Task No_face_in_the_portrait()
    {
        var portrait = await FacelessPortraitAsync();
        var errors = await Validate(await Good() with { Portrait = portrait });
        errors.Should().ContainSingle().Which.Should().Be(new JobInputError("portrait", $"no face found in '{portrait}'; the portrait must show one face clearly"));
    }

    [Fact]
    public async Task A_portrait_that_is_not_an_image()
    {
        var portrait = await TextFile("notes.png");
        var errors = await Validate(await Good() with { Portrait = portrait });
        errors.Should().ContainSingle().Which.Input.Should().Be("portrait");
        errors[0].Message.Should().Contain($"'{portrait}' is not an image that can be decoded");
    }

    [Fact]
    public async Task A_jpeg_portrait_is_as_good_as_a_png()
    {
        var jpeg = Path.Combine(Dir, "astronaut.jpg");
        await Ffmpeg("-i", Portrait, jpeg);
        (await Validate(await Good() with { Portrait = jpeg })).Should().BeEmpty();
    }

    [Fact]
    public async Task A_video_without_a_video_stream()
    {
        var speech = Support.SharedData.Speech;
        var errors = await Validate(await Good() with { Video = speech });
        errors.Should().ContainSingle().Which.Should().Be(new JobInputError("video", $"'{speech}' has no video stream"));
    }

    [Fact]
    public async Task A_video_that_is_not_media()
    {
        var video = await TextFile("notes.mp4");
        var errors = await Validate(await Good() with { Video = video });
        errors.Should().ContainSingle().Which.Input.Should().Be("video");
        errors[0].Message.Should().Contain($"'{video}' is not a media file that can be read");
    }

    [Fact]
    public async Task Video_sizes_and_lengths_beyond_the_configured_limits()
    {
        var request = await Good();
        var errors = await Validate(request, new JobLimits { MaxWidth = 320, MaxHeight = 240 });
        errors.Should().ContainSingle().Which.Message.Should().Be($"'{request.Video}' is 360x288; supported sizes are 64x64 to 320x240");

        errors = await Validate(request, new JobLimits { MaxDurationSeconds = 0.5 });
        errors.Select(e => e.Input).Should().BeEquivalentTo(["video", "audio"]);
        errors.Should().Contain(new JobInputError("video", $"'{request.Video}' lasts 1 s, over the limit of 0.5 s"));

        errors = await Validate(request, new JobLimits { MaxOutputFrames = 10 });
        errors.Should().ContainSingle().Which.Should().Be(new JobInputError("output", "the output would have 25 frames (1 s at 25 fps), over the limit of 10 frames"));
    }

    [Fact]
    public async Task Driving_audio_without_an_audio_stream_or_shorter_than_a_frame()
    {
        var mute = await MuteClipAsync();
        var errors = await Validate(await Good() with { Audio = mute });
        errors.Should().ContainSingle().Which.Should().Be(new JobInputError("audio", $"'{mute}' has no audio stream"));

        var blip = await SilenceAsync(0.01);
        errors = await Validate(await Good() with { Audio = blip });
        errors.Should().ContainSingle().Which.Should().Be(new JobInputError("audio", $"'{blip}' lasts 0.01 s, shorter than one video frame at 25 fps"));

        var empty = await SilenceAsync(0);
        errors = await Validate(await Good() with { Audio = empty });
        errors.Should().ContainSingle().Which.Input.Should().Be("audio");
    }

    [Fact]
    public async Task Self_driven_needs_the_videos_own_audio()
    {
        var mute = await MuteClipAsync();
        var errors = await Validate(await Good(audio: null) with { Video = mute });
        errors.Should().ContainSingle().Which.Message.Should().Contain("self-driven mode needs the video's own audio");
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once()
    {
        var portrait = await FacelessPortraitAsync();
        var errors = await Validate(await Good() with { Portrait = portrait, Video = Support.SharedData.Speech, Audio = await MuteClipAsync() });
        errors.Select(e => e.Input).Should().BeEquivalentTo(["portrait", "video", "audio"]);
    }

    [Fact]
    public async Task A_models_folder_missing_a_model_is_bad_input_naming_the_file()
    {
        var partial = Directory.CreateDirectory(Path.Combine(Dir, $"models-{Guid.NewGuid():N}")).FullName;
        foreach (var file in Directory.EnumerateFiles(await ModelsAsync()).Where(f => !f.EndsWith("lip_syncer.onnx")))
            File.Copy(file, Path.Combine(partial, Path.GetFileName(file)));
        // The geometric engine runs without the SwapTalk stage models, so the inventory lists what is missing and the
        // latent engine (asked for, or opened) refuses it, naming the file.
        var inventory = await PipelineActivities.Inventory(SharedServices).DescribeAsync(partial, Ct);
        inventory.MissingStages.Should().ContainSingle()
            .Which.Message.Should().Contain("has no lip_syncer.onnx (lip_syncer)").And.Contain("swaptalk models probe");
        var resolve = () => Core.Engines.EngineSelection.Resolve(DubEngine.Latent, inventory);
        resolve.Should().Throw<BadInputException>().Which.Errors.Should().ContainSingle().Which.Message.Should().Contain("lip_syncer.onnx");
        Core.Engines.EngineSelection.Resolve(DubEngine.Auto, inventory).Should().Be(DubEngine.Geometric);
        var open = () => SharedServices.Models(partial).Latent;
        open.Should().Throw<BadInputException>().WithMessage("*models*lip_syncer*");
    }

    [Fact]
    public async Task PrepareSource_refuses_a_faceless_portrait_naming_it_for_hosts_that_did_not_validate_up_front()
    {
        var work = Path.Combine(Dir, $"prepare-{Guid.NewGuid():N}");
        var store = new FileSystemBlobStore(work);
        await store.WriteFileAsync("jobs/job-noface/input/portrait.png", await FacelessPortraitAsync(), cancellationToken: Ct);
        var activity = new PrepareSourceActivity(ServicesFor(store));
        var models = await ModelsAsync();
        var run = () => activity.RunAsync(new PrepareSourceInput("job-noface", "jobs/job-noface/input/portrait.png", models, FaceSelection.Largest), Ct);
        (await run.Should().ThrowAsync<BadInputException>()).Which.Errors.Should().ContainSingle().Which.Input.Should().Be("portrait");
        (await store.ExistsAsync(BlobNames.SourceLatent("job-noface"), Ct)).Should().BeFalse("nothing half-made is stored");
    }
}
