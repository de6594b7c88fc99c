using Rational = SwapTalk.Core.Media.Rational;
using System.Net.Sockets;
using SwapTalk.Core.Jobs;
using SwapTalk.Tests.Support;

namespace SwapTalk.Tests.Jobs;

/// <summary>
/// Answers the inspector's questions with fixed facts. Stands in for the ffprobe/face-detector adapter, which
/// is written with the media and vision code; the checks under test are the validator's own.
/// </summary>
internal sealed class ScriptedInspector : IJobInputInspector
{
    public PortraitFacts Portrait { get; set; } = new(512, 512, 1);
    public VideoFacts? Video { get; set; } = new(75, new Rational(25, 1), 360, 288, 3.0, true, 3.0);
    public AudioFacts? Audio { get; set; } = new(11.0, 16000, 1);
    public Exception? VideoFailure { get; set; }
    public List<string> Asked { get; } = [];

    public Task<PortraitFacts> InspectPortraitAsync(string path, FaceSelection selection, CancellationToken cancellationToken)
    {
        Asked.Add("portrait");
        return Task.FromResult(Portrait);
    }

    public Task<VideoFacts?> ProbeVideoAsync(string path, CancellationToken cancellationToken)
    {
        Asked.Add("video");
        return VideoFailure is null ? Task.FromResult(Video) : Task.FromException<VideoFacts?>(VideoFailure);
    }

    public Task<AudioFacts?> ProbeAudioAsync(string path, CancellationToken cancellationToken)
    {
        Asked.Add("audio");
        return Task.FromResult(Audio);
    }
}

public sealed class JobValidatorTests : IDisposable
{
    private readonly TempDir _dir = new("swaptalk-validate");
    private readonly JobRequest _good;

    public JobValidatorTests()
    {
        File.WriteAllBytes(_dir.File("face.png"), [0x89, 0x50, 0x4E, 0x47]);
        File.WriteAllBytes(_dir.File("talk.mp4"), [0, 0, 0, 0x18]);
        File.WriteAllBytes(_dir.File("speech.wav"), [0x52, 0x49, 0x46, 0x46]);
        Directory.CreateDirectory(_dir.File("models"));
        File.WriteAllText(_dir.File("models/manifest.json"), "{}");
        _good = new JobRequest
        {
            Portrait = _dir.File("face.png"),
            Video = _dir.File("talk.mp4"),
            Audio = _dir.File("speech.wav"),
            Models = _dir.File("models"),
            Output = _dir.File("dub.mp4"),
        };
    }

    public void Dispose() => _dir.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<IReadOnlyList<JobInputError>> Errors(JobRequest request, IJobInputInspector? inspector = null, JobLimits? limits = null) =>
        (await new JobValidator(limits, inspector).ValidateAsync(request, Ct)).Errors;

    private static void ShouldHaveOne(IReadOnlyList<JobInputError> errors, string input, string message)
    {
        errors.Should().ContainSingle($"only '{input}' is wrong, but got: {string.Join(" | ", errors)}")
            .Which.Should().Match<JobInputError>(e => e.Input == input);
        errors[0].Message.Should().Match(message);
    }

    [Fact]
    public async Task A_good_request_passes_and_returns_the_probed_facts()
    {
        var inspector = new ScriptedInspector();
        var result = await new JobValidator(null, inspector).ValidateAsync(_good, Ct);
        result.IsValid.Should().BeTrue(string.Join(" | ", result.Errors));
        result.Video.Should().Be(inspector.Video);
        result.Audio.Should().Be(inspector.Audio);
        result.Portrait.Should().Be(inspector.Portrait);
        result.ThrowIfInvalid();
        (await Errors(_good with { Audio = null, Output = null })).Should().BeEmpty();
    }

    [Theory]
    [InlineData("portrait")]
    [InlineData("video")]
    [InlineData("audio")]
    public async Task Missing_input_files_are_named(string input)
    {
        var missing = _dir.File($"missing-{input}.bin");
        var request = With(input, missing);
        ShouldHaveOne(await Errors(request), input, $"'{missing}' does not exist");
    }

    [Theory]
    [InlineData("portrait")]
    [InlineData("video")]
    [InlineData("audio")]
    public async Task Empty_input_files_are_named(string input)
    {
        var empty = _dir.File($"empty-{input}.bin");
        File.WriteAllBytes(empty, []);
        ShouldHaveOne(await Errors(With(input, empty)), input, $"'{empty}' is empty (0 bytes)");
    }

    [Fact]
    public async Task A_folder_given_as_an_input_file_is_named()
    {
        ShouldHaveOne(await Errors(_good with { Video = _dir.Path }), "video", $"'{_dir.Path}' is a folder, expected a file");
    }

    [Fact]
    public async Task An_unreadable_input_is_named_with_the_reason()
    {
        // A socket file exists but cannot be opened for reading, even by root (permissions would not stop root).
        var socketPath = _dir.File("portrait.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        ShouldHaveOne(await Errors(_good with { Portrait = socketPath }), "portrait", $"'{socketPath}' cannot be read: *");
    }

    [Fact]
    public async Task Inputs_over_the_size_limit_are_named()
    {
        var limits = new JobLimits { MaxInputBytes = 3 };
        var errors = await Errors(_good, limits: limits);
        errors.Select(e => e.Input).Should().BeEquivalentTo(["portrait", "video", "audio"]);
        errors[0].Message.Should().Match("*is 4 bytes, over the limit of 3 bytes");
    }

    [Theory]
    [InlineData("", "no path given")]
    [InlineData("  ", "no path given")]
    [InlineData("https://example.com/talk.mp4", "*is a URL; only local files are accepted*download the file first*")]
    [InlineData("a\0b", "*NUL*")]
    public async Task Bad_paths_are_named(string path, string message)
    {
        ShouldHaveOne(await Errors(_good with { Video = path }), "video", message);
    }

    [Fact]
    public async Task The_models_folder_must_exist_and_hold_something()
    {
        ShouldHaveOne(await Errors(_good with { Models = _dir.File("nomodels") }), "models", "*models folder*does not exist");
        ShouldHaveOne(await Errors(_good with { Models = _dir.File("face.png") }), "models", "*is a file, expected the models folder");
        Directory.CreateDirectory(_dir.File("empty-models"));
        ShouldHaveOne(await Errors(_good with { Models = _dir.File("empty-models") }), "models", "*models folder*is empty");
    }

    [Fact]
    public async Task The_output_must_be_a_new_mp4_in_an_existing_folder()
    {
        ShouldHaveOne(await Errors(_good with { Output = _dir.File("dub.mkv") }), "output", "*must end in .mp4*");
        ShouldHaveOne(await Errors(_good with { Output = _dir.File("nofolder/dub.mp4") }), "output", "the folder of*does not exist");
        Directory.CreateDirectory(_dir.File("folder.mp4"));
        ShouldHaveOne(await Errors(_good with { Output = _dir.File("folder.mp4") }), "output", "*is a folder, expected a file name");
        ShouldHaveOne(await Errors(_good with { Output = _good.Video }), "output", "*is the video input; writing it would destroy the input");
    }

    [Theory]
    [InlineData(0, 4, 32, 18, "medium", "options.segmentFrames", "0 is out of range; use 1..3000 frames")]
    [InlineData(3001, 4, 32, 18, "medium", "options.segmentFrames", "3001 is out of range*")]
    [InlineData(100, -1, 32, 18, "medium", "options.faceTrackContextFrames", "-1 is out of range; use 0..64 frames")]
    [InlineData(100, 65, 32, 18, "medium", "options.faceTrackContextFrames", "65 is out of range*")]
    [InlineData(100, 4, 0, 18, "medium", "options.segmentsPerBatch", "0 is out of range; use 1..64")]
    [InlineData(100, 4, 65, 18, "medium", "options.segmentsPerBatch", "65 is out of range*")]
    [InlineData(100, 4, 32, -1, "medium", "options.quality.crf", "-1 is out of range; use 0..51*")]
    [InlineData(100, 4, 32, 52, "medium", "options.quality.crf", "52 is out of range*")]
    [InlineData(100, 4, 32, 18, "turbo", "options.quality.preset", "'turbo' is not an x264 preset; use one of ultrafast*")]
    public async Task Options_out_of_range_are_named(int segmentFrames, int context, int batch, int crf, string preset, string input, string message)
    {
        var options = new JobOptions
        {
            SegmentFrames = segmentFrames,
            FaceTrackContextFrames = context,
            SegmentsPerBatch = batch,
            Quality = new OutputQuality { Crf = crf, Preset = preset },
        };
        ShouldHaveOne(await Errors(_good with { Options = options }), input, message);
    }

    [Fact]
    public async Task Undefined_enum_values_and_null_option_objects_are_named()
    {
        ShouldHaveOne(await Errors(_good with { Options = new JobOptions { LengthPolicy = (LengthPolicy)9 } }), "options.lengthPolicy", "9 is not a length policy*");
        ShouldHaveOne(await Errors(_good with { Options = new JobOptions { FaceSelection = (FaceSelection)9 } }), "options.faceSelection", "9 is not a face selection*");
        ShouldHaveOne(await Errors(_good with { Options = new JobOptions { Quality = null! } }), "options.quality", "quality is null*");
        ShouldHaveOne(await Errors(_good with { Options = null! }), "options", "options are null*");
    }

    [Fact]
    public async Task No_face_in_the_portrait()
    {
        var inspector = new ScriptedInspector { Portrait = new PortraitFacts(640, 480, 0) };
        ShouldHaveOne(await Errors(_good, inspector), "portrait", $"no face found in '{_good.Portrait}'*");
    }

    [Theory]
    [InlineData(32, 512)]
    [InlineData(9000, 600)]
    public async Task Portrait_sizes_outside_the_limits(int width, int height)
    {
        var inspector = new ScriptedInspector { Portrait = new PortraitFacts(width, height, 1) };
        ShouldHaveOne(await Errors(_good, inspector), "portrait", $"*is {width}x{height}; each side must be 64..8192 pixels");
    }

    [Fact]
    public async Task No_video_stream()
    {
        var inspector = new ScriptedInspector { Video = null };
        ShouldHaveOne(await Errors(_good, inspector), "video", $"'{_good.Video}' has no video stream");
    }

    [Fact]
    public async Task A_video_without_frames()
    {
        var inspector = new ScriptedInspector { Video = new VideoFacts(0, new Rational(25, 1), 360, 288, 0, true) };
        ShouldHaveOne(await Errors(_good, inspector), "video", "*has no frames");
    }

    [Theory]
    [InlineData(32, 288, "*is 32x288; supported sizes are 64x64 to 3840x2160")]
    [InlineData(4096, 2160, "*is 4096x2160; supported sizes*")]
    public async Task Video_sizes_outside_the_limits(int width, int height, string message)
    {
        var inspector = new ScriptedInspector { Video = new VideoFacts(75, new Rational(25, 1), width, height, 3, true) };
        ShouldHaveOne(await Errors(_good, inspector), "video", message);
    }

    [Theory]
    [InlineData(240, 1)]
    [InlineData(1, 2)]
    public async Task Frame_rates_outside_the_limits(long num, long den)
    {
        var rate = new Rational(num, den);
        var inspector = new ScriptedInspector { Video = new VideoFacts(75, rate, 360, 288, 3, true) };
        ShouldHaveOne(await Errors(_good, inspector), "video", $"*runs at {rate} fps; supported rates are 1..120 fps");
    }

    [Fact]
    public async Task A_video_longer_than_the_limit()
    {
        var inspector = new ScriptedInspector { Video = new VideoFacts(75, new Rational(25, 1), 360, 288, 8000, true) };
        ShouldHaveOne(await Errors(_good, inspector), "video", "*lasts 8000 s, over the limit of 7200 s");
    }

    [Fact]
    public async Task Self_driven_needs_the_videos_own_audio()
    {
        var inspector = new ScriptedInspector { Video = new VideoFacts(75, new Rational(25, 1), 360, 288, 3, HasAudio: false) };
        ShouldHaveOne(await Errors(_good with { Audio = null }, inspector), "video", "self-driven mode needs the video's own audio*give a driving audio track");
        (await Errors(_good, inspector)).Should().BeEmpty("cross-driven does not need the video's audio");
    }

    [Fact]
    public async Task Driving_audio_without_an_audio_stream_empty_or_too_long()
    {
        ShouldHaveOne(await Errors(_good, new ScriptedInspector { Audio = null }), "audio", $"'{_good.Audio}' has no audio stream");
        ShouldHaveOne(await Errors(_good, new ScriptedInspector { Audio = new AudioFacts(0, 16000, 1) }), "audio", "*is empty (0 s of audio)");
        ShouldHaveOne(await Errors(_good, new ScriptedInspector { Audio = new AudioFacts(9000, 16000, 1) }), "audio", "*lasts 9000 s, over the limit of 7200 s");
        ShouldHaveOne(await Errors(_good, new ScriptedInspector { Audio = new AudioFacts(0.01, 16000, 1) }), "audio", "*shorter than one video frame at 25 fps");
    }

    [Fact]
    public async Task An_output_longer_than_the_frame_limit()
    {
        var limits = new JobLimits { MaxOutputFrames = 200 };
        ShouldHaveOne(await Errors(_good, new ScriptedInspector(), limits), "output", "the output would have 275 frames (11 s at 25 fps), over the limit of 200 frames");
        var trimmed = _good with { Options = new JobOptions { LengthPolicy = LengthPolicy.Trim } };
        (await Errors(trimmed, new ScriptedInspector(), limits)).Should().BeEmpty("trim cuts the output to the 75-frame video");
    }

    [Fact]
    public async Task Inspector_failures_are_attributed_to_their_input_and_files_that_failed_are_not_inspected()
    {
        var inspector = new ScriptedInspector { VideoFailure = new BadInputException("ffprobe", "talk.mp4 is not a media file: Invalid data found") };
        var errors = await Errors(_good with { Portrait = _dir.File("gone.png") }, inspector);
        errors.Should().HaveCount(2);
        errors.Should().Contain(e => e.Input == "portrait" && e.Message.Contains("does not exist"));
        errors.Should().Contain(e => e.Input == "video" && e.Message.Contains("not a media file"));
        inspector.Asked.Should().Equal("video", "audio");
    }

    [Fact]
    public async Task All_problems_are_reported_together_in_one_exception()
    {
        var request = _good with { Video = _dir.File("gone.mp4"), Options = new JobOptions { SegmentFrames = 0 } };
        var result = await new JobValidator().ValidateAsync(request, Ct);
        result.IsValid.Should().BeFalse();
        var act = result.ThrowIfInvalid;
        var thrown = act.Should().Throw<BadInputException>().Which;
        thrown.Errors.Should().HaveCount(2);
        thrown.Message.Should().Match("bad input (2 problems): video: *gone.mp4' does not exist; options.segmentFrames: 0 is out of range*");
    }

    private JobRequest With(string input, string path) => input switch
    {
        "portrait" => _good with { Portrait = path },
        "video" => _good with { Video = path },
        "audio" => _good with { Audio = path },
        _ => throw new ArgumentOutOfRangeException(nameof(input)),
    };
}

public class JobIdTests
{
    private const string P = "aa", V = "bb", A = "cc";

    [Fact]
    public void Same_content_and_options_give_the_same_id_and_any_change_a_new_one()
    {
        var id = JobIds.FromContent(P, V, A, "models-1", new JobOptions());
        id.Should().MatchRegex("^job-[0-9a-f]{20}$");
        JobIds.IsValid(id).Should().BeTrue();
        JobIds.FromContent(P, V, A, "models-1", new JobOptions()).Should().Be(id);
        JobIds.FromContent(P.ToUpperInvariant(), V, A, "models-1", new JobOptions()).Should().Be(id, "hex case does not matter");

        var others = new[]
        {
            JobIds.FromContent("ab", V, A, "models-1", new JobOptions()),
            JobIds.FromContent(P, "bc", A, "models-1", new JobOptions()),
            JobIds.FromContent(P, V, null, "models-1", new JobOptions()),
            JobIds.FromContent(P, V, A, "models-2", new JobOptions()),
            JobIds.FromContent(P, V, A, "models-1", new JobOptions { SegmentFrames = 99 }),
            JobIds.FromContent(P, V, A, "models-1", new JobOptions { Quality = new OutputQuality { Crf = 17 } }),
        };
        others.Should().OnlyHaveUniqueItems().And.NotContain(id);
    }

    [Theory]
    [InlineData("job-0123", true)]
    [InlineData("a", true)]
    [InlineData("9_x-y", true)]
    [InlineData("", false)]
    [InlineData("-lead", false)]
    [InlineData("Upper", false)]
    [InlineData("a/b", false)]
    [InlineData("a..b", false)]
    [InlineData("a b", false)]
    public void Ids_are_safe_blob_segments_and_instance_ids(string id, bool valid)
    {
        JobIds.IsValid(id).Should().Be(valid);
        if (!valid)
        {
            var act = () => JobIds.Validate(id);
            act.Should().Throw<BadInputException>().WithMessage($"*jobId*'{id}' is not a job id*");
        }
    }

    [Fact]
    public async Task Hashes_file_content()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir.File("x"), "abc", TestContext.Current.CancellationToken);
        (await JobIds.HashFileAsync(dir.File("x"), TestContext.Current.CancellationToken))
            .Should().Be("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        JobIds.IsValid(new string('a', 65)).Should().BeFalse();
    }
}
