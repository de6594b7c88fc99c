namespace SwapTalk.Core.Jobs;

/// <summary>Every problem found with a request, and the facts probed on the way (null where not probed).</summary>
public sealed record JobValidationResult(
    IReadOnlyList<JobInputError> Errors,
    PortraitFacts? Portrait = null,
    VideoFacts? Video = null,
    AudioFacts? Audio = null)
{
    public bool IsValid => Errors.Count == 0;

    public void ThrowIfInvalid()
    {
        if (!IsValid) throw new BadInputException(Errors);
    }
}

/// <summary>
/// Validates a request up front and reports every problem at once, each naming the input and what is wrong.
/// Three layers: the request itself (paths, files, options; no media code), then the probed facts through
/// <see cref="IJobInputInspector"/> (no face in the portrait, no video stream, sizes, lengths), then the
/// planned output length. Inspection is skipped for inputs that already failed the file checks.
/// </summary>
public sealed class JobValidator(JobLimits? limits = null, IJobInputInspector? inspector = null)
{
    private readonly JobLimits _limits = limits ?? JobLimits.Default;

    public JobLimits Limits => _limits;

    public async Task<JobValidationResult> ValidateAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        var errors = CheckRequest(request).ToList();
        if (inspector is null) return new JobValidationResult(errors);

        bool Failed(string input) => errors.Any(e => e.Input == input);
        PortraitFacts? portrait = null;
        VideoFacts? video = null;
        AudioFacts? audio = null;
        var videoProbed = false;
        var audioProbed = false;

        if (!Failed("portrait"))
            portrait = await Inspect("portrait", errors, async () => (PortraitFacts?)await inspector.InspectPortraitAsync(request.Portrait, request.Options?.FaceSelection ?? FaceSelection.Largest, cancellationToken));
        if (!Failed("video"))
        {
            video = await Inspect("video", errors, () => inspector.ProbeVideoAsync(request.Video, cancellationToken));
            videoProbed = !Failed("video");
        }
        if (request.Audio is { } audioPath && !Failed("audio"))
        {
            audio = await Inspect("audio", errors, () => inspector.ProbeAudioAsync(audioPath, cancellationToken));
            audioProbed = !Failed("audio");
        }

        errors.AddRange(CheckProbed(request, portrait, video, videoProbed, audio, audioProbed));
        return new JobValidationResult(errors, portrait, video, audio);
    }

    /// <summary>The checks that need no media or model code: paths, files, options.</summary>
    public IReadOnlyList<JobInputError> CheckRequest(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<JobInputError>();
        CheckInputFile("portrait", request.Portrait, errors);
        CheckInputFile("video", request.Video, errors);
        if (request.Audio is not null) CheckInputFile("audio", request.Audio, errors);
        CheckModelsFolder(request.Models, errors);
        if (request.Output is not null) CheckOutput(request, errors);
        CheckOptions(request.Options, errors);
        return errors;
    }

    /// <summary>
    /// Limits against probed facts. <paramref name="videoProbed"/>/<paramref name="audioProbed"/> say a probe ran,
    /// so a null there means "no such stream", not "not looked at".
    /// </summary>
    public IReadOnlyList<JobInputError> CheckProbed(
        JobRequest request, PortraitFacts? portrait, VideoFacts? video, bool videoProbed, AudioFacts? audio, bool audioProbed)
    {
        var l = _limits;
        var errors = new List<JobInputError>();
        if (portrait is not null)
        {
            if (portrait.FacesFound < 1)
                errors.Add(new("portrait", $"no face found in '{request.Portrait}'; the portrait must show one face clearly"));
            if (Math.Min(portrait.Width, portrait.Height) < l.MinPortraitSide || Math.Max(portrait.Width, portrait.Height) > l.MaxPortraitSide)
                errors.Add(new("portrait", $"'{request.Portrait}' is {portrait.Width}x{portrait.Height}; each side must be {l.MinPortraitSide}..{l.MaxPortraitSide} pixels"));
        }

        if (videoProbed && video is null)
            errors.Add(new("video", $"'{request.Video}' has no video stream"));
        if (video is not null)
        {
            if (video.FrameCount < 1)
                errors.Add(new("video", $"'{request.Video}' has no frames"));
            if (video.Width < l.MinWidth || video.Height < l.MinHeight || video.Width > l.MaxWidth || video.Height > l.MaxHeight)
                errors.Add(new("video", $"'{request.Video}' is {video.Width}x{video.Height}; supported sizes are {l.MinWidth}x{l.MinHeight} to {l.MaxWidth}x{l.MaxHeight}"));
            if (!video.FrameRate.IsValid || video.FrameRate.Value < l.MinFrameRate || video.FrameRate.Value > l.MaxFrameRate)
                errors.Add(new("video", $"'{request.Video}' runs at {(video.FrameRate.IsValid ? video.FrameRate.ToString() : "an unknown rate")} fps; supported rates are {l.MinFrameRate}..{l.MaxFrameRate} fps"));
            if (video.DurationSeconds > l.MaxDurationSeconds)
                errors.Add(new("video", $"'{request.Video}' lasts {video.DurationSeconds:0.###} s, over the limit of {l.MaxDurationSeconds:0.###} s"));
            if (request.Audio is null && !video.HasAudio)
                errors.Add(new("video", $"self-driven mode needs the video's own audio, but '{request.Video}' has no audio stream; give a driving audio track"));
        }

        if (audioProbed && audio is null)
            errors.Add(new("audio", $"'{request.Audio}' has no audio stream"));
        if (audio is not null)
        {
            if (!double.IsFinite(audio.DurationSeconds) || audio.DurationSeconds <= 0)
                errors.Add(new("audio", $"'{request.Audio}' is empty (0 s of audio)"));
            else if (audio.DurationSeconds > l.MaxDurationSeconds)
                errors.Add(new("audio", $"'{request.Audio}' lasts {audio.DurationSeconds:0.###} s, over the limit of {l.MaxDurationSeconds:0.###} s"));
        }

        // The output length, once both lengths are known and sane.
        if (errors.Count == 0 && video is { FrameCount: > 0 } && video.FrameRate.IsValid && (request.Audio is null || audio is not null))
        {
            var frames = JobPlanner.OutputFrameCount(video, audio?.DurationSeconds, request.Options?.LengthPolicy ?? LengthPolicy.PingPong);
            if (frames < 1)
                errors.Add(new("audio", $"'{request.Audio}' lasts {audio!.DurationSeconds:0.###} s, shorter than one video frame at {video.FrameRate} fps"));
            else if (frames > l.MaxOutputFrames)
                errors.Add(new("output", $"the output would have {frames} frames ({video.FrameRate.FrameSeconds(frames):0.#} s at {video.FrameRate} fps), over the limit of {l.MaxOutputFrames} frames"));
        }
        return errors;
    }

    private async Task<T?> Inspect<T>(string input, List<JobInputError> errors, Func<Task<T?>> probe) where T : class
    {
        try
        {
            return await probe();
        }
        catch (BadInputException ex)
        {
            // A models problem found while inspecting (a corrupt detector) stays the models' problem.
            foreach (var e in ex.Errors) errors.Add(e.Input == input || e.Input == "models" ? e : new JobInputError(input, e.Message));
            return null;
        }
    }

    private void CheckInputFile(string input, string? path, List<JobInputError> errors)
    {
        if (!CheckPath(input, path, errors)) return;
        if (Directory.Exists(path))
        {
            errors.Add(new(input, $"'{path}' is a folder, expected a file"));
            return;
        }
        if (!File.Exists(path))
        {
            errors.Add(new(input, Files.InputPaths.Problem(path!) ?? $"'{path}' does not exist"));
            return;
        }
        if (Files.InputPaths.IsPlaylist(path!))
        {
            errors.Add(new(input, $"'{path}' is a playlist (M3U/HLS); playlists and the URLs in them are not read: download the media first and give its local path"));
            return;
        }
        try
        {
            using var stream = new FileStream(path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            if (stream.Length == 0)
                errors.Add(new(input, $"'{path}' is empty (0 bytes)"));
            else if (stream.Length > _limits.MaxInputBytes)
                errors.Add(new(input, $"'{path}' is {stream.Length} bytes, over the limit of {_limits.MaxInputBytes} bytes"));
            else
                _ = stream.ReadByte();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new(input, $"'{path}' cannot be read: {ex.Message}"));
        }
    }

    private static bool CheckPath(string input, string? path, List<JobInputError> errors)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            errors.Add(new(input, "no path given"));
            return false;
        }
        if (path.Contains('\0'))
        {
            errors.Add(new(input, "the path contains a NUL character"));
            return false;
        }
        // Remote inputs would let ffmpeg open network protocols; the engine takes local files only.
        if (Files.InputPaths.LooksLikeUrl(path))
        {
            errors.Add(new(input, $"'{path}' is a URL; only local files are accepted: URLs are not read, download the file first and give its local path"));
            return false;
        }
        return true;
    }

    private static void CheckModelsFolder(string? path, List<JobInputError> errors)
    {
        if (!CheckPath("models", path, errors)) return;
        if (File.Exists(path))
        {
            errors.Add(new("models", $"'{path}' is a file, expected the models folder"));
            return;
        }
        if (!Directory.Exists(path))
        {
            errors.Add(new("models", $"models folder '{path}' does not exist"));
            return;
        }
        try
        {
            if (!Directory.EnumerateFileSystemEntries(path!).Any())
                errors.Add(new("models", $"models folder '{path}' is empty"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new("models", $"models folder '{path}' cannot be read: {ex.Message}"));
        }
    }

    private static void CheckOutput(JobRequest request, List<JobInputError> errors)
    {
        var output = request.Output!;
        if (!CheckPath("output", output, errors)) return;
        if (request.Options?.Quality is { Lossless: true })
        {
            if (!output.EndsWith(".mkv", StringComparison.OrdinalIgnoreCase))
                errors.Add(new("output", $"'{output}' must end in .mkv (lossless output is FFV1 in Matroska, which MP4 cannot hold)"));
        }
        else if (!output.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase))
            errors.Add(new("output", $"'{output}' must end in .mp4 (the result is an H.264/AAC MP4)"));
        if (Directory.Exists(output))
        {
            errors.Add(new("output", $"'{output}' is a folder, expected a file name"));
            return;
        }
        var full = Path.GetFullPath(output);
        var dir = Path.GetDirectoryName(full);
        if (dir is not null && !Directory.Exists(dir))
            errors.Add(new("output", $"the folder of '{output}' does not exist"));
        foreach (var (name, input) in new[] { ("portrait", request.Portrait), ("video", request.Video), ("audio", request.Audio) })
        {
            if (string.IsNullOrWhiteSpace(input) || input.Contains('\0')) continue;
            if (string.Equals(Path.GetFullPath(input), full, StringComparison.Ordinal))
                errors.Add(new("output", $"'{output}' is the {name} input; writing it would destroy the input"));
        }
    }

    private void CheckOptions(JobOptions? options, List<JobInputError> errors)
    {
        if (options is null)
        {
            errors.Add(new("options", "options are null; omit them for the defaults"));
            return;
        }
        var l = _limits;
        if (options.SegmentFrames < 1 || options.SegmentFrames > l.MaxSegmentFrames)
            errors.Add(new("options.segmentFrames", $"{options.SegmentFrames} is out of range; use 1..{l.MaxSegmentFrames} frames"));
        if (options.FaceTrackContextFrames < 0 || options.FaceTrackContextFrames > l.MaxFaceTrackContextFrames)
            errors.Add(new("options.faceTrackContextFrames", $"{options.FaceTrackContextFrames} is out of range; use 0..{l.MaxFaceTrackContextFrames} frames"));
        if (options.SegmentsPerBatch < 1 || options.SegmentsPerBatch > l.MaxSegmentsPerBatch)
            errors.Add(new("options.segmentsPerBatch", $"{options.SegmentsPerBatch} is out of range; use 1..{l.MaxSegmentsPerBatch}"));
        if (!Enum.IsDefined(options.LengthPolicy))
            errors.Add(new("options.lengthPolicy", $"{(int)options.LengthPolicy} is not a length policy; use ping-pong, freeze or trim"));
        if (!Enum.IsDefined(options.Engine))
            errors.Add(new("options.engine", $"{(int)options.Engine} is not an engine; use auto, geometric or latent"));
        if (!Enum.IsDefined(options.FaceSelection))
            errors.Add(new("options.faceSelection", $"{(int)options.FaceSelection} is not a face selection; use largest, most-central or most-confident"));
        if (options.Quality is null)
        {
            errors.Add(new("options.quality", "quality is null; omit it for the defaults"));
            return;
        }
        if (options.Quality.Crf is < 0 or > 51)
            errors.Add(new("options.quality.crf", $"{options.Quality.Crf} is out of range; use 0..51 (lower is better, 18 is typical)"));
        if (!OutputQuality.Presets.Contains(options.Quality.Preset))
            errors.Add(new("options.quality.preset", $"'{options.Quality.Preset}' is not an x264 preset; use one of {string.Join(", ", OutputQuality.Presets)}"));
    }
}
