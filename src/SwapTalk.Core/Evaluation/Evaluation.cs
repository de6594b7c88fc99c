using SwapTalk.Core.Jobs;

namespace SwapTalk.Core.Evaluation;

/// <summary>What to evaluate: an output video against a portrait, optionally the original, the driving audio and a gallery.</summary>
public sealed record EvaluationRequest
{
    /// <summary>The video to evaluate (a dub's output).</summary>
    public required string Video { get; init; }

    /// <summary>The portrait whose identity the output should show.</summary>
    public required string Portrait { get; init; }

    /// <summary>The target video the output was made from (frame t of both shows the same moment).</summary>
    public string? Original { get; init; }

    /// <summary>The driving speech; null: the evaluated video's own audio track.</summary>
    public string? Audio { get; init; }

    /// <summary>A real video of someone saying the driving speech (for GRID: the clip the audio came from): the mouth's truth.</summary>
    public string? Truth { get; init; }

    /// <summary>A folder of portraits (the portrait among them or not) for ID retrieval.</summary>
    public string? Gallery { get; init; }

    /// <summary>
    /// How the output's frames past the original's end map onto the original's (a dub with longer audio: ping-pong,
    /// the dub's default, or freeze); Identity: they are compared with nothing.
    /// </summary>
    public FrameRule LongerOutput { get; init; } = FrameRule.PingPong;

    /// <summary>Self-driven: an original is given and no separate driving audio, so the mouth should follow the original's.</summary>
    public bool SelfDriven => Original is not null && Audio is null;
}

/// <summary>Identity of the output's face against the portrait (MobileFaceNet cosines).</summary>
public sealed record IdentityResult
{
    /// <summary>The paper's Consistency: the mean cosine of each output face to the portrait.</summary>
    public required double Consistency { get; init; }

    public required double Min { get; init; }
    public required double Max { get; init; }

    /// <summary>Mean cosine of each output face to the original's face in the same frame.</summary>
    public double? ToOriginal { get; init; }

    /// <summary>Share of frames (with a face in both) whose face is closer to the portrait than to the original's same frame.</summary>
    public double? CloserToPortrait { get; init; }

    /// <summary>ID retrieve: share of frames whose nearest gallery identity is the portrait.</summary>
    public double? IdRetrieve { get; init; }

    /// <summary>Identities in the gallery, the portrait included.</summary>
    public int? GallerySize { get; init; }

    /// <summary>Gallery files left out, each with the reason.</summary>
    public IReadOnlyList<string> GallerySkipped { get; init; } = [];
}

/// <summary>Image quality against the original: SSIM and PSNR inside the face (landmark hull) and outside it; sharpness.</summary>
public sealed record ImageQualityResult
{
    public required int FramesCompared { get; init; }
    public double? SsimFace { get; init; }
    public double? SsimOutside { get; init; }

    /// <summary>dB from the mean squared error over all compared frames; +infinity (JSON "Infinity") where they are identical.</summary>
    public double? PsnrFace { get; init; }

    public double? PsnrOutside { get; init; }
}

/// <summary>Variance of the Laplacian of the luma inside the face, averaged over frames (higher is sharper).</summary>
public sealed record SharpnessResult(double? Output, double? Original);

/// <summary>A metric this run did not compute, and why.</summary>
public sealed record NotComputed(string Metric, string Why);

/// <summary>Per-frame values (null: not measurable in that frame), index = frame.</summary>
public sealed record EvaluationFrames
{
    public required IReadOnlyList<double?> IdentityToPortrait { get; init; }
    public IReadOnlyList<double?>? IdentityToOriginal { get; init; }
    public required IReadOnlyList<double?> MouthOpening { get; init; }
    public IReadOnlyList<double?>? Loudness { get; init; }
    public IReadOnlyList<double?>? SsimFace { get; init; }
    public IReadOnlyList<double?>? PsnrFace { get; init; }
}

/// <summary>The whole evaluation of one video: every number, what was not computed and why, and the image.</summary>
public sealed record EvaluationResult
{
    public required string Video { get; init; }
    public required string Portrait { get; init; }
    public string? Original { get; init; }

    /// <summary>The driving audio's path, or the evaluated video's for its own track; null when there was none.</summary>
    public string? Audio { get; init; }

    public string? Gallery { get; init; }

    /// <summary>"self-driven" (an original, no separate audio), "cross-driven" (a driving audio) or "unspecified" (neither given).</summary>
    public required string Mode { get; init; }

    public required int Frames { get; init; }
    public required double FrameRate { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required int FramesWithFace { get; init; }

    public required IdentityResult Identity { get; init; }

    /// <summary>Identity against an unseen photo of the portrait's person (<c>--reference-photo</c>); null when none was given.</summary>
    public ReferenceIdentityResult? Reference { get; init; }
    public LipSyncResult? LipSync { get; init; }
    public ImageQualityResult? ImageQuality { get; init; }

    /// <summary>The mouth against a real speaker of the driving speech (<c>--truth</c>).</summary>
    public TruthResult? Truth { get; init; }

    public required SharpnessResult Sharpness { get; init; }

    public required IReadOnlyList<NotComputed> NotComputed { get; init; }
    public required EvaluationFrames PerFrame { get; init; }

    /// <summary>The PNG summary, where one was written.</summary>
    public string? Image { get; init; }
}
