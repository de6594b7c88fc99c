using System.CommandLine;
using SwapTalk.Cli;

namespace SwapTalk.Tests.Fleet;

/// <summary>The fleet commands refuse bad arguments before touching any storage: exit 2, naming the option and the range.</summary>
public sealed class FleetCommandTests
{
    // The emulator's public account on a port nothing listens on: parsed, never reached.
    private const string Storage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";

    [Theory]
    [InlineData("--slots 0", "worker: --slots 0 is out of range; use 1..64")]
    [InlineData("--slots 65", "worker: --slots 65 is out of range; use 1..64")]
    [InlineData("--lease 5", "worker: --lease 5 is out of range; use 10..3600")]
    [InlineData("--poll 0", "worker: --poll 0 is out of range; use 0.05..300 seconds")]
    [InlineData("--grace -1", "worker: --grace -1 is out of range; use 0..3600")]
    [InlineData("--name ü", "worker: --name 'ü' is not a worker name: 1 to 64 letters, digits, '.', '_' or '-' (it is stored in blob metadata)")]
    [InlineData("--task-hub a-b", "worker: --task-hub 'a-b' is not a task hub name: 3 to 45 letters and digits, starting with a letter")]
    public async Task A_worker_with_a_bad_option_exits_2_naming_it(string option, string message)
    {
        var (code, err) = await RunAsync(["worker", "--storage", Storage, .. option.Split(' ')]);
        code.Should().Be(2);
        err.Trim().Should().Be(message);
    }

    [Theory]
    [InlineData("worker")]
    [InlineData("jobs", "status", "job-1")]
    [InlineData("jobs", "cancel", "job-1")]
    public async Task Fleet_commands_without_storage_exit_2_saying_where_it_comes_from(params string[] args)
    {
        if (Environment.GetEnvironmentVariable("SWAPTALK_STORAGE") is { Length: > 0 }) Assert.Skip("SWAPTALK_STORAGE is set in this environment");
        var (code, err) = await RunAsync(args);
        code.Should().Be(2);
        err.Should().Contain("--storage is required (or set SWAPTALK_STORAGE)");
    }

    [Fact]
    public async Task A_storage_that_is_neither_a_connection_string_nor_an_account_url_is_refused_without_echoing_it()
    {
        var (code, err) = await RunAsync(["worker", "--storage", "AccountKey=c2VjcmV0;nonsense"]);
        code.Should().Be(2);
        err.Should().StartWith("worker: ").And.NotContain("c2VjcmV0", "a connection string is a secret, even a broken one");
    }

    private static async Task<(int Code, string Err)> RunAsync(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Program.InvokeAsync(args, new InvocationConfiguration { Output = stdout, Error = stderr }, TestContext.Current.CancellationToken);
        return (code, stderr.ToString());
    }
}
