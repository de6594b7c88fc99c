namespace SwapTalk.Core.Media;

/// <summary>Which binary a command runs.</summary>
public enum MediaTool
{
    Ffmpeg,
    Ffprobe,
}

/// <summary>
/// One ffmpeg/ffprobe invocation the engine's own runner starts, as data: the tool, its exact argument list (never a shell line)
/// and the file the command is about (named in errors). Built by <see cref="MediaCommands"/>,
/// run by <see cref="MediaProcess"/>; kept apart so the flags are testable without running ffmpeg.
/// </summary>
public sealed record MediaCommand(MediaTool Tool, IReadOnlyList<string> Arguments, string Subject)
{
    public string Executable(MediaTools tools) => Tool == MediaTool.Ffmpeg ? tools.Ffmpeg : tools.Ffprobe;
}
