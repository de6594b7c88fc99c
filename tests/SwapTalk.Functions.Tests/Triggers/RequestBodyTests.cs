using System.Text;
using System.Text.Json;
using SwapTalk.Http;
using Microsoft.AspNetCore.Mvc;
using SwapTalk.Functions.Tests.Host;

namespace SwapTalk.Functions.Tests.Triggers;

public class RequestBodyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static ApiRequest Request(string url, Stream body, params (string Name, string Value)[] headers) =>
        new(new Uri(url), body, headers.Select(h => new KeyValuePair<string, IEnumerable<string>>(h.Name, [h.Value])));

    public static ApiRequest Json(string url, string body, params (string Name, string Value)[] headers) =>
        Request(url, new MemoryStream(Encoding.UTF8.GetBytes(body)), [("Content-Type", "application/json"), .. headers]);

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON;charset=\"UTF-8\"")]
    [InlineData("application/vnd.swaptalk.job+json")]
    public async Task Json_bodies_within_the_limit_are_read_whole(string contentType)
    {
        var (body, problem) = await RequestBody.ReadJsonAsync(
            Request("https://h/api/jobs", new MemoryStream(new byte[100]), ("content-type", contentType)), 100, Ct);
        problem.Should().BeNull();
        body.Should().HaveCount(100);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=iso-8859-1")]
    public async Task Other_media_types_are_415(string? contentType)
    {
        var headers = contentType is null ? Array.Empty<(string, string)>() : [("Content-Type", contentType)];
        var (body, problem) = await RequestBody.ReadJsonAsync(Request("https://h/api/jobs", new MemoryStream(new byte[5]), headers), 100, Ct);
        body.Should().BeNull();
        problem!.Status.Should().Be(415);
        problem.Detail.Should().Contain("application/json");
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_413_before_any_byte_is_read()
    {
        var body = new ExplodingStream();
        var (read, problem) = await RequestBody.ReadJsonAsync(
            Request("https://h/api/jobs?code=KEY", body, ("Content-Type", "application/json"), ("Content-Length", "1000001")), 65536, Ct);
        read.Should().BeNull();
        problem!.Status.Should().Be(413);
        problem.Detail.Should().Contain("65536 bytes");
        problem.Instance.Should().Be("/api/jobs", "the path only: the query holds the function key");
        body.Reads.Should().Be(0);
    }

    [Fact]
    public async Task An_undeclared_oversized_body_is_413_after_reading_one_byte_past_the_limit()
    {
        var body = new CountingStream(10_000_000);
        var (read, problem) = await RequestBody.ReadJsonAsync(Request("https://h/api/jobs", body, ("Content-Type", "application/json")), 1000, Ct);
        read.Should().BeNull();
        problem!.Status.Should().Be(413);
        body.Position.Should().Be(1001, "an endless body costs the limit, not its length");
    }

    [Theory]
    [InlineData("ten", 400, "*not a number of bytes*")]
    [InlineData("-5", 400, "*not a number of bytes*")]
    [InlineData("0", 400, "*empty*")]
    public async Task Bad_lengths_and_empty_bodies_are_400(string length, int status, string detail)
    {
        var (_, problem) = await RequestBody.ReadJsonAsync(
            Request("https://h/api/jobs", new MemoryStream(), ("Content-Type", "application/json"), ("Content-Length", length)), 100, Ct);
        problem!.Status.Should().Be(status);
        problem.Detail.Should().Match(detail);
    }

    [Fact]
    public async Task Problem_bodies_are_rfc_7807_json_with_field_errors_and_redacted_text()
    {
        var problem = Problem.Of(422, "invalid-job", "Invalid job", "see https://a/b?sig=SECRET", "/api/jobs",
            [new ProblemError("video", "'https://acct.blob.core.windows.net/c/v.mp4?sv=1&sig=SECRET' is a URL")]);
        var response = ApiResponse.From(problem);
        response.StatusCode.Should().Be(422);
        // Written as a host writes it: the framework's problem result onto a real response.
        var answer = await HttpCalls.SendAsync(HttpCalls.Request("POST", "/api/jobs"), _ => Task.FromResult<IActionResult>(response.AsActionResult()));
        answer.Status.Should().Be(422);
        answer.Headers.ContentType.ToString().Should().StartWith("application/problem+json");
        answer.Body.Should().NotContain("SECRET");
        using var json = JsonDocument.Parse(answer.Body);
        var root = json.RootElement;
        root.GetProperty("type").GetString().Should().Be("urn:swaptalk:problem:invalid-job");
        root.GetProperty("title").GetString().Should().Be("Invalid job");
        root.GetProperty("status").GetInt32().Should().Be(422);
        root.GetProperty("instance").GetString().Should().Be("/api/jobs");
        root.GetProperty("errors")[0].GetProperty("field").GetString().Should().Be("video");
    }

    private sealed class ExplodingStream : MemoryStream
    {
        public int Reads { get; private set; }
        public override int Read(byte[] buffer, int offset, int count) { Reads++; throw new InvalidOperationException("must not be read"); }
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) { Reads++; throw new InvalidOperationException("must not be read"); }
    }

    private sealed class CountingStream(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            _position += n;
            return n;
        }
    }
}
