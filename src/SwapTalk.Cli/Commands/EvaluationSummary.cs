using System.Globalization;
using SwapTalk.Core.Evaluation;

namespace SwapTalk.Cli.Commands;

/// <summary>An evaluation as <c>swaptalk eval</c> (and <c>dub --eval</c>) prints it without <c>--json</c>: one readable block per metric family.</summary>
internal static class EvaluationSummary
{
    public static void Write(TextWriter o, EvaluationResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        string F(double? v) => v is { } x ? x.ToString("0.000", inv) : "-";
        string Pct(double? v) => v is { } x ? (100 * x).ToString("0.0", inv) + "%" : "-";
        string Db(double? v) => v is { } x ? double.IsPositiveInfinity(x) ? "inf (identical)" : x.ToString("0.00", inv) + " dB" : "-";
        o.WriteLine(string.Format(inv, "{0}: {1} frames {2}x{3} at {4:0.##} fps, {5} with a face; {6}", r.Video, r.Frames, r.Width, r.Height, r.FrameRate, r.FramesWithFace, r.Mode));
        o.WriteLine($"identity (MobileFaceNet cosine; same person ~0.74, different ~0):");
        o.WriteLine($"  consistency (mean cosine to the portrait)  {F(r.Identity.Consistency)}  (min {F(r.Identity.Min)}, max {F(r.Identity.Max)})");
        o.WriteLine($"  mean cosine to the original's frame        {F(r.Identity.ToOriginal)}");
        o.WriteLine($"  closer to the portrait than the original   {Pct(r.Identity.CloserToPortrait)}");
        o.WriteLine($"  ID retrieve                                {Pct(r.Identity.IdRetrieve)}{(r.Identity.GallerySize is { } g ? $" (gallery of {g})" : "")}");
        foreach (var s in r.Identity.GallerySkipped) o.WriteLine($"    gallery: skipped {s}");
        if (r.Reference is { } rf)
        {
            o.WriteLine($"identity against the reference photo {rf.Photo} (the portrait scores {F(rf.PortraitToReference)} to it):");
            o.WriteLine($"  mean cosine of the output                  {F(rf.Consistency)}  (min {F(rf.Min)}); the original's {F(rf.OriginalToReference)}");
            o.WriteLine($"  closer to it than the original             {Pct(rf.CloserThanOriginal)}");
        }
        if (r.LipSync is { } ls)
        {
            o.WriteLine($"mouth against loudness, audio {r.Audio} (a timing check: high by construction for a loudness-driven mouth):");
            o.WriteLine($"  correlation at lag 0                       {F(ls.CorrelationAtLag0)}  ({ls.FramesUsed} frames; envelope as measured)");
            o.WriteLine($"  detrended correlation at lag 0             {F(ls.Detrended.AtLag0)}  (syllable-rate motion only)");
            o.WriteLine(string.Format(inv, "  best lag within +-{0} frames                {1:+0;-0;0} (detrended r {2}; positive: the audio comes late)", LipSync.MaxLag, ls.BestLag, F(ls.Detrended.AtBestLag)));
            o.WriteLine($"  LMD (mouth landmarks / eye span)           {F(ls.Lmd)}");
        }
        if (r.Truth is { } truth)
        {
            string Lag(int? k) => k is { } x ? x.ToString("+0;-0;0", inv) : "-";
            var (v, f) = (truth.Video, truth.Original);
            o.WriteLine($"mouth against the real speaker {truth.Truth} (video | original, the floor for unrelated speech):");
            o.WriteLine($"  opening r at lag 0                         {F(v.OpeningAtLag0)} | {F(f?.OpeningAtLag0)}  ({v.Frames} frames)");
            o.WriteLine($"  best lag within +-{LipSync.MaxLag} (+: video late)         {Lag(v.OpeningBestLag)} (r {F(v.OpeningAtBestLag)}) | {Lag(f?.OpeningBestLag)} (r {F(f?.OpeningAtBestLag)})");
            o.WriteLine($"  opening velocity r                         {F(v.OpeningVelocity)} | {F(f?.OpeningVelocity)}");
            o.WriteLine($"  width r                                    {F(v.Width)} | {F(f?.Width)}");
            o.WriteLine($"  rounding r                                 {F(v.Rounding)} | {F(f?.Rounding)}");
            o.WriteLine($"  LMDdyn                                     {F(v.LmdDyn)} | {F(f?.LmdDyn)}");
            o.WriteLine($"  amplitude (opening sd / the truth's)       {F(v.Amplitude)} | {F(f?.Amplitude)}");
        }
        if (r.ImageQuality is { } q)
        {
            o.WriteLine($"image quality against the original ({q.FramesCompared} frames):");
            o.WriteLine($"  SSIM face {F(q.SsimFace)}, outside {F(q.SsimOutside)}");
            o.WriteLine($"  PSNR face {Db(q.PsnrFace)}, outside {Db(q.PsnrOutside)}");
        }
        o.WriteLine($"sharpness (variance of the Laplacian on the face): output {F(r.Sharpness.Output)}, original {F(r.Sharpness.Original)}");
        o.WriteLine("not computed:");
        foreach (var n in r.NotComputed) o.WriteLine($"  {n.Metric}: {n.Why}");
        if (r.Image is not null) o.WriteLine($"eval: image: {r.Image}");
    }
}
