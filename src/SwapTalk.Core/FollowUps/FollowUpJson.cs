using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwapTalk.Core.FollowUps;

/// <summary>How evaluations and amended reports are written: indented web JSON, +-infinity (a PSNR of identical frames) as "Infinity".</summary>
public static class FollowUpJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
