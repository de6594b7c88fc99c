namespace SwapTalk.Tests.Hostile;

/// <summary>Small tmpfs mounts for the disk-full and read-only cases: real file-system errors, which need root.</summary>
internal static class Mounts
{
    /// <summary>Skips where not root, except under CI=true, where a skip would hide the case: there it fails.</summary>
    public static void RequireRoot(string why)
    {
        if (OperatingSystem.IsLinux() && Environment.UserName == "root") return;
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(why);
        Assert.Skip(why);
    }

    /// <summary>Runs mount/umount (no shell); a non-zero exit throws with its stderr.</summary>
    public static async Task Sh(string file, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {err}");
    }
}
