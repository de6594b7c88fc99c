using System.Diagnostics;
using System.Globalization;

namespace SwapTalk.Core.FollowUps;

/// <summary>This process's memory as a job's summary reports it.</summary>
public static class ProcessMemory
{
    /// <summary>The peak resident memory (VmHWM) where /proc has it, else the runtime's view of the peak working set.</summary>
    public static long PeakBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }
}
