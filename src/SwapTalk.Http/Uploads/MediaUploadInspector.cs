using System.Globalization;
using SwapTalk.Core.Activities;
using SwapTalk.Core.Engines.Geometric;
using SwapTalk.Core.Imaging;
using SwapTalk.Core.Jobs;
using SwapTalk.Core.Media;
using SwapTalk.Core.Stages;

namespace SwapTalk.Http;

/// <summary>
/// The upload check over the pipeline's own parts: the media engine's probe (<see cref="MediaInputInspector"/>, the
/// validator's limits), and for portraits the face detector, the face-selection rule and the geometric engine's
/// checks (a face big enough, not a profile) on the 68 landmarks, exactly as a dub would refuse the portrait.
/// </summary>
public sealed class MediaUploadInspector(PipelineServices services, string modelsDirectory, JobLimits? limits = null) : IUploadInspector
{
    /// <summary>Longest side of a thumbnail.</summary>
    public const int ThumbnailSide = 480;

    private readonly JobValidator _validator = new(limits ?? JobLimits.Default);

    public async Task<UploadInspection> InspectAsync(string kind, string path, FaceSelection selection, CancellationToken cancellationToken) => kind switch
    {
        UploadKinds.Portrait => await PortraitAsync(path, selection, cancellationToken),
        UploadKinds.Video => await VideoAsync(path, cancellationToken),
        UploadKinds.Audio => await AudioAsync(path, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an upload kind"),
    };

    private async Task<UploadInspection> PortraitAsync(string path, FaceSelection selection, CancellationToken cancellationToken)
    {
        var models = services.Models(services.ModelsFor(modelsDirectory));
        // Decoded and turned upright exactly as a dub will (PortraitStage), so the box shown is the face it uses.
        var stage = new PortraitStage(models);
        using var image = await stage.LoadAsync(path, cancellationToken);
        var faces = stage.Detect(image);
        Throw(_validator.CheckProbed(Request(path), new PortraitFacts(image.Width, image.Height, faces.Count), null, false, null, false));
        var chosen = FaceSelectors.Choose(selection, image, faces);
        if (chosen < 0)
            throw new BadInputException(UploadKinds.Portrait, $"no face found in '{path}'; the portrait must show one face clearly (frontal, at least 64 pixels across)");
        var box = faces[chosen].Box;
        GeometricSourceStage.Check(path, models.Landmarks.Detect(image, box));

        var thickness = Math.Max(2, (int)Math.Round(Math.Max(image.Width, image.Height) / 240.0));
        Drawing.Rectangle(image, box, RgbColor.Green, thickness);
        var face = new FaceBoxView((int)Math.Round(box.X), (int)Math.Round(box.Y), (int)Math.Round(box.Width), (int)Math.Round(box.Height));
        return new UploadInspection(ImageExtension(path),
            new PortraitFactsView(image.Width, image.Height, faces.Count, face, FaceSelectors.NameOf(selection)), null, null, Thumbnail(image));
    }

    private async Task<UploadInspection> VideoAsync(string path, CancellationToken cancellationToken)
    {
        var info = await ProbeAsync(path, UploadKinds.Video, cancellationToken);
        var facts = await new MediaInputInspector(services.Media).ProbeVideoAsync(path, cancellationToken);
        // The driving audio is not known yet: the self-driven check (the video's own audio) runs when the job starts.
        Throw(_validator.CheckProbed(Request(path) with { Audio = path }, null, facts, true, null, false));
        byte[]? thumbnail = null;
        await foreach (var frame in services.Media.ReadFramesAsync(info, new FrameRange(0, 1), new FrameReadOptions { Order = ColorOrder.Bgr }, cancellationToken))
            using (frame)
                thumbnail ??= Thumbnail(frame.Image);
        var v = facts!;
        return new UploadInspection(MediaExtension(info.Container, ".mp4"), null,
            new VideoFactsView(v.Width, v.Height, v.FrameCount, v.FrameRate.ToString(), Math.Round(v.FrameRate.Value, 3), Math.Round(v.DurationSeconds, 3),
                v.HasAudio, v.AudioDurationSeconds is { } a ? Math.Round(a, 3) : null), null, thumbnail);
    }

    private async Task<UploadInspection> AudioAsync(string path, CancellationToken cancellationToken)
    {
        var info = await ProbeAsync(path, UploadKinds.Audio, cancellationToken);
        var facts = await new MediaInputInspector(services.Media).ProbeAudioAsync(path, cancellationToken);
        Throw(_validator.CheckProbed(Request(path) with { Audio = path }, null, null, false, facts, true));
        var a = facts!;
        return new UploadInspection(MediaExtension(info.Container, ".wav"), null, null,
            new AudioFactsView(Math.Round(a.DurationSeconds, 3), a.SampleRate, a.Channels), null);
    }

    private async Task<MediaInfo> ProbeAsync(string path, string kind, CancellationToken cancellationToken)
    {
        try
        {
            return await services.Media.ProbeAsync(path, cancellationToken);
        }
        catch (MediaException e) when (e.IsBadInput)
        {
            throw new BadInputException(kind, $"'{path}' is not a media file that can be read: {e.Problem}");
        }
    }

    private static JobRequest Request(string path) => new() { Portrait = path, Video = path, Models = "." };

    private static void Throw(IReadOnlyList<JobInputError> errors)
    {
        if (errors.Count > 0) throw new BadInputException(errors);
    }

    private static byte[] Thumbnail(PixelBuffer image)
    {
        var scale = Math.Min(1.0, (double)ThumbnailSide / Math.Max(image.Width, image.Height));
        if (scale >= 1) return ImageFile.Encode(image, ".png");
        using var small = new PixelBuffer(Math.Max(1, (int)(image.Width * scale)), Math.Max(1, (int)(image.Height * scale)), image.Order);
        Resize.Run(image, small);
        return ImageFile.Encode(small, ".png");
    }

    /// <summary>The extension the stored copy gets, from the image's signature (the decoder accepted it already).</summary>
    private static string ImageExtension(string path)
    {
        Span<byte> head = stackalloc byte[12];
        using (var file = File.OpenRead(path)) head = head[..file.Read(head)];
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G'])) return ".png";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8])) return ".jpg";
        if (head.Length >= 12 && head[8..12].SequenceEqual("WEBP"u8)) return ".webp";
        if (head.StartsWith("BM"u8)) return ".bmp";
        if (head.StartsWith("II"u8) || head.StartsWith("MM"u8)) return ".tif";
        return ".img";
    }

    /// <summary>The extension for ffprobe's container name (its first alias), so a stored copy says what it holds.</summary>
    private static string MediaExtension(string container, string fallback) =>
        container.Split(',')[0].Trim().ToLower(CultureInfo.InvariantCulture) switch
        {
            "mov" or "mp4" => ".mp4",
            "matroska" => ".mkv",
            "webm" => ".webm",
            "mpeg" or "mpegvideo" => ".mpg",
            "mpegts" => ".ts",
            "avi" => ".avi",
            "wav" => ".wav",
            "mp3" => ".mp3",
            "flac" => ".flac",
            "ogg" => ".ogg",
            "aac" => ".aac",
            _ => fallback,
        };
}
