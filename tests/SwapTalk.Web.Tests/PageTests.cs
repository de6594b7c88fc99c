using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenQA.Selenium;
using SwapTalk.Tests.Support;

namespace SwapTalk.Web.Tests;

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "web page";
}

/// <summary>
/// The page on <c>swaptalk serve</c> in Debian's chromium: a geometric dub from the shared samples (uploads checked and
/// described, progress advancing, the result playing beside the original, preview and evaluation loaded), a portrait
/// without a face refused beside its field, a running job cancelled, and the token rule. Small inputs: the 3-second
/// GRID clip, 2.5 s of speech, 25-frame segments, lossless off.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class PageTests(WebFixture data)
{
    private static readonly TimeSpan Upload = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Dub = TimeSpan.FromSeconds(240);

    /// <summary>Where the finished page's screenshot and the timings go (README shows a copy, docs/images/serve.png).</summary>
    private static string OutDir => Path.Combine(RepoPaths.Root, "out", "web");

    [Fact]
    public async Task A_dub_from_the_page_shows_what_was_understood_progress_and_the_result()
    {
        SharedData.Require("faces/astronaut.png");
        using var work = new TempDir("swaptalk-web-work");
        await using var serve = await ServeProcess.StartAsync(work.Path, data.Models);
        using var browser = new Browser(1280, 2300);
        browser.Open(serve.Url);

        // What was understood, before anything starts.
        browser.Upload("portrait", data.Portrait);
        await browser.UntilAsync(() => browser.Text("facts-portrait").Contains("1 face found"), Upload, "the portrait's facts");
        browser.Text("facts-portrait").Should().Contain("512 x 512 pixels");
        await browser.UntilAsync(() => ImageLoaded(browser, "#facts-portrait img"), Upload, "the boxed portrait thumbnail");
        browser.Upload("video", data.Video);
        await browser.UntilAsync(() => browser.Text("facts-video").Contains("360 x 288, 25 fps"), Upload, "the video's facts");
        browser.Text("facts-video").Should().Contain("3.0 s, 75 frames");
        await browser.UntilAsync(() => ImageLoaded(browser, "#facts-video img"), Upload, "the video's first frame");
        browser.Upload("audio", data.Audio);
        await browser.UntilAsync(() => browser.Text("facts-audio").Contains("2.5 s of audio, 16000 Hz, mono"), Upload, "the speech's facts");
        browser.Text("output-summary").Should().Be("Output: 63 frames, 2.5 s (as long as the speech).");

        // The CLI's options, then start; progress is read off the page while the job runs.
        browser.Js("document.getElementById('opt-engine').value = 'geometric';" +
                   "document.getElementById('opt-segment').value = '25';" +
                   "document.getElementById('opt-preset').value = 'ultrafast';");
        browser.Element("opt-lossless").Selected.Should().BeFalse();
        browser.Element("start").Enabled.Should().BeTrue();
        var clock = Stopwatch.StartNew();
        browser.Element("start").Click();
        var seen = new List<(string Status, string Phase, int Frames, string Fps, string Left)>();
        await browser.UntilAsync(() =>
        {
            var status = (string?)browser.Js("return document.body.dataset.jobStatus || ''") ?? "";
            var frames = int.Parse((string?)browser.Js("return document.body.dataset.framesDone || '0'") ?? "0", CultureInfo.InvariantCulture);
            seen.Add((status, browser.Text("job-phase"), frames, browser.Text("job-fps"), browser.Text("job-left")));
            return status is "succeeded" or "failed" or "canceled";
        }, Dub, "the dub's end");
        var pressToDone = clock.Elapsed;
        seen[^1].Status.Should().Be("succeeded", browser.Text("job-problem"));

        // Progress advanced on the page without a reload: frames went up through at least one value between none and all,
        // with frames per second and time left shown while rendering.
        var frameSteps = seen.Select(s => s.Frames).Distinct().ToList();
        frameSteps.Should().BeInAscendingOrder().And.Contain(0).And.Contain(63);
        frameSteps.Should().Contain(f => f > 0 && f < 63, "segments finish one at a time (--parallel 1), so the page sees a partial count");
        seen.Select(s => s.Phase).Should().Contain("phase: rendering");
        seen.Where(s => s.Phase == "phase: rendering" && s.Frames is > 0 and < 63).Should().Contain(s => s.Fps != "-" && s.Left != "-");

        // The result: the dub beside the original, playable, as long as the output; preview and evaluation loaded.
        await browser.UntilAsync(() => Convert.ToInt64(browser.Js("return document.getElementById('video-dub').readyState")) >= 3,
            TimeSpan.FromSeconds(30), "the dubbed video's playable state");
        var duration = Convert.ToDouble(browser.Js("return document.getElementById('video-dub').duration"), CultureInfo.InvariantCulture);
        duration.Should().BeApproximately(63 / 25.0, 0.1, "the output has 63 frames at 25 fps");
        await browser.UntilAsync(() => Convert.ToInt64(browser.Js("return document.getElementById('video-original').readyState")) >= 3,
            TimeSpan.FromSeconds(30), "the original's playable state");
        browser.Js("document.getElementById('video-dub').play()");
        await browser.UntilAsync(() => Convert.ToDouble(browser.Js("return document.getElementById('video-dub').currentTime"), CultureInfo.InvariantCulture) > 0.5
            && Convert.ToDouble(browser.Js("return document.getElementById('video-original').currentTime"), CultureInfo.InvariantCulture) > 0.3,
            TimeSpan.FromSeconds(20), "both videos playing");
        browser.Js("document.getElementById('video-dub').pause()");
        await browser.UntilAsync(() => ImageLoaded(browser, "#img-preview"), TimeSpan.FromSeconds(30), "the preview sheet");
        await browser.UntilAsync(() => ImageLoaded(browser, "#img-eval"), TimeSpan.FromSeconds(30), "the evaluation image");
        browser.Text("eval-numbers").Should().Contain("Identity: mean cosine to the portrait").And.Contain("r at lag 0");
        browser.Driver.FindElements(By.CssSelector("#downloads a")).Select(a => a.Text).Should().Contain("Download the dub");

        // The list shows the job, succeeded.
        browser.Js("document.getElementById('refresh-jobs').click()");
        await browser.UntilAsync(() => browser.Text("jobs-body").Contains("succeeded"), TimeSpan.FromSeconds(10), "the job in the list");

        browser.Js("window.scrollTo(0, 0)");
        browser.Screenshot(Path.Combine(OutDir, "serve.png"));
        var timings = browser.Js("return JSON.stringify(window.swaptalk.timings)") as string;
        var first = JsonNode.Parse(timings!)!.AsArray()[0]!;
        Directory.CreateDirectory(OutDir);
        await File.WriteAllTextAsync(Path.Combine(OutDir, "timings.json"), JsonSerializer.Serialize(new
        {
            firstProgressMs = first["firstProgressMs"]!.GetValue<double>(),
            firstPhase = first["phase"]!.GetValue<string>(),
            pressToSucceededSeconds = pressToDone.TotalSeconds,
        }), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_portrait_without_a_face_and_bad_options_are_refused_beside_their_fields_and_nothing_starts()
    {
        SharedData.Require("faces/astronaut.png");
        using var work = new TempDir("swaptalk-web-work");
        await using var serve = await ServeProcess.StartAsync(work.Path, data.Models);
        using var browser = new Browser();
        browser.Open(serve.Url);
        browser.Upload("video", data.Video);
        browser.Upload("portrait", data.NoFace);
        await browser.UntilAsync(() => browser.Text("problem-portrait").Length > 0, Upload, "the portrait's problem");
        browser.Text("problem-portrait").Should().Be("no face found in the uploaded portrait; the portrait must show one face clearly");
        browser.Js("return document.getElementById('problem-portrait').closest('.drop').id").Should().Be("drop-portrait");
        await browser.UntilAsync(() => browser.Text("facts-video").Contains("25 fps"), Upload, "the video's facts");
        browser.Element("start").Enabled.Should().BeFalse();
        browser.Text("start-why").Should().Be("Add a portrait and a video.");

        // On loopback without a token, only this server's own host names are answered (a DNS name rebound to 127.0.0.1 is not).
        using (var rebound = new HttpClient { BaseAddress = serve.Url })
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { Host = "attacker.example" } })
            (await rebound.SendAsync(request, TestContext.Current.CancellationToken)).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        // The API's own problems land beside their fields too: a quality out of range, an unknown preset.
        browser.Upload("portrait", data.Portrait);
        await browser.UntilAsync(() => browser.Element("start").Enabled, Upload, "a usable portrait");
        browser.Text("problem-portrait").Should().BeEmpty();
        browser.Js("document.getElementById('opt-crf').value = '99';" +
                   "const p = document.getElementById('opt-preset'); p.add(new Option('fastest', 'fastest')); p.value = 'fastest';");
        browser.Element("start").Click();
        await browser.UntilAsync(() => browser.Text("problem-options").Length > 0, TimeSpan.FromSeconds(20), "the options' problems");
        browser.Text("problem-options").Should().Contain("Quality (CRF, 0-51, lower is better): 99 is out of range; use 0..51")
            .And.Contain("Encoder preset: 'fastest' is not an x264 preset");
        browser.Element("opt-crf").GetAttribute("class").Should().Contain("invalid");
        browser.Element("opt-preset").GetAttribute("class").Should().Contain("invalid");
        browser.Element("job").Displayed.Should().BeFalse();

        using var http = new HttpClient { BaseAddress = serve.Url };
        var list = JsonNode.Parse(await http.GetStringAsync("/api/jobs", TestContext.Current.CancellationToken))!;
        list["jobs"]!.AsArray().Should().BeEmpty("neither a refused portrait nor refused options start anything");
        Directory.Exists(Path.Combine(work.Path, "jobs-store", "jobs")).Should().BeFalse();
    }

    [Fact]
    public async Task A_running_job_is_cancelled_from_the_page()
    {
        SharedData.Require("faces/astronaut.png");
        using var work = new TempDir("swaptalk-web-work");
        await using var serve = await ServeProcess.StartAsync(work.Path, data.Models, extra: ["--no-eval"]);
        using var browser = new Browser();
        browser.Open(serve.Url);
        browser.Upload("portrait", data.Portrait);
        browser.Upload("video", data.Video);
        await browser.UntilAsync(() => browser.Element("start").Enabled, Upload, "both uploads checked");
        browser.Js("document.getElementById('opt-engine').value = 'geometric'; document.getElementById('opt-segment').value = '5';");
        browser.Element("start").Click();
        await browser.UntilAsync(() => browser.Text("job-phase") == "phase: rendering", Dub, "rendering");
        browser.Element("cancel").Click();
        await browser.UntilAsync(() => browser.Text("job-status") == "canceled", TimeSpan.FromSeconds(60), "the job cancelled");
        browser.Element("cancel").Displayed.Should().BeFalse();

        var id = browser.Text("job-id");
        using var http = new HttpClient { BaseAddress = serve.Url };
        using var status = await http.GetAsync($"/api/jobs/{id}", TestContext.Current.CancellationToken);
        status.StatusCode.Should().Be(HttpStatusCode.OK);
        var view = JsonNode.Parse(await status.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        view["status"]!.GetValue<string>().Should().Be("canceled");
        view["progress"]!["framesDone"]!.GetValue<int>().Should().BeLessThan(75, "it stopped before the end");
        using var result = await http.GetAsync($"/api/jobs/{id}/result", TestContext.Current.CancellationToken);
        result.StatusCode.Should().Be(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Off_the_default_address_the_token_is_required()
    {
        SharedData.Require("faces/astronaut.png");
        using var work = new TempDir("swaptalk-web-work");

        // An address other machines can reach, without a token: refused before listening.
        var (code, output) = await ServeProcess.RunAsync("serve", "--urls", "http://0.0.0.0:18099", "--work", work.Path, "--models", data.Models);
        code.Should().Be(2);
        output.Should().Contain("http://0.0.0.0:18099/ can be reached from other machines; give an access token");

        // Another address (127.0.0.2), token required: requests without it get 401, with it the API answers.
        var token = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        await using var serve = await ServeProcess.StartAsync(work.Path, data.Models, host: "127.0.0.2", token: token);
        using var http = new HttpClient { BaseAddress = serve.Url };
        using (var denied = await http.GetAsync("/api/jobs", TestContext.Current.CancellationToken))
        {
            denied.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            denied.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            denied.Headers.WwwAuthenticate.ToString().Should().Be("Bearer");
        }
        using (var upload = new ByteArrayContent(await File.ReadAllBytesAsync(data.Portrait, TestContext.Current.CancellationToken)))
        using (var denied = await http.PostAsync("/api/uploads/portrait", upload, TestContext.Current.CancellationToken))
            denied.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token[..^1] + "x") } })
            (await http.SendAsync(wrong, TestContext.Current.CancellationToken)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using (var right = new HttpRequestMessage(HttpMethod.Get, "/api/jobs") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } })
            (await http.SendAsync(right, TestContext.Current.CancellationToken)).StatusCode.Should().Be(HttpStatusCode.OK);

        // Another site's page cannot use the API through the browser, with or without the token.
        using (var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/jobs/api-0123/cancel") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } })
        {
            foreign.Headers.Add("Origin", "http://evil.example");
            (await http.SendAsync(foreign, TestContext.Current.CancellationToken)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }

        // The page loads without the token, asks for it, and then works (its media through the cookie it sets).
        using var browser = new Browser();
        browser.Open(serve.Url);
        await browser.UntilAsync(() => browser.Element("access").Displayed, TimeSpan.FromSeconds(20), "the token prompt");
        browser.Element("access-token").SendKeys(token);
        browser.Driver.FindElement(By.CssSelector("#access-form button")).Click();
        await browser.UntilAsync(() => !browser.Element("access").Displayed && browser.Element("jobs-empty").Displayed, TimeSpan.FromSeconds(20), "the job list with the token");
        browser.Upload("portrait", data.Portrait);
        await browser.UntilAsync(() => ImageLoaded(browser, "#facts-portrait img"), Upload, "the thumbnail through the cookie");
    }

    [Fact]
    public async Task A_job_running_when_the_server_dies_resumes_at_the_next_start()
    {
        SharedData.Require("faces/astronaut.png");
        using var work = new TempDir("swaptalk-web-work");
        string id;
        int framesBefore;
        using var http = new HttpClient();
        await using (var serve = await ServeProcess.StartAsync(work.Path, data.Models, extra: ["--no-eval"]))
        {
            http.BaseAddress = serve.Url;
            var portrait = await UploadAsync(http, "portrait", data.Portrait);
            var video = await UploadAsync(http, "video", data.Video);
            var manifest = new JsonObject
            {
                ["portrait"] = portrait, ["video"] = video,
                ["options"] = new JsonObject { ["engine"] = "geometric", ["segmentFrames"] = 25, ["quality"] = new JsonObject { ["preset"] = "ultrafast" } },
            };
            using var start = await http.PostAsync("/api/jobs", new StringContent(manifest.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
                TestContext.Current.CancellationToken);
            start.StatusCode.Should().Be(HttpStatusCode.Accepted);
            id = JsonNode.Parse(await start.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["id"]!.GetValue<string>();
            framesBefore = await WaitAsync(http, id, v => v["progress"]?["framesDone"]?.GetValue<int>() is >= 25 and < 75 ? v["progress"]!["framesDone"]!.GetValue<int>() : null);
            await serve.KillAsync();
        }

        // The restarted server has a smaller upload limit: a larger upload is refused beside its field, nothing stored.
        await using (var again = await ServeProcess.StartAsync(work.Path, data.Models, extra: ["--no-eval", "--max-upload-bytes", "100000"]))
        {
            again.Output.Should().Contain($"resuming 1 job(s): {id}");
            using var resumed = new HttpClient { BaseAddress = again.Url };
            using (var big = new ByteArrayContent(await File.ReadAllBytesAsync(data.Portrait, TestContext.Current.CancellationToken)))
            using (var refused = await resumed.PostAsync("/api/uploads/portrait", big, TestContext.Current.CancellationToken))
            {
                refused.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
                var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
                problem["errors"]![0]!["field"]!.GetValue<string>().Should().Be("portrait");
                problem["detail"]!.GetValue<string>().Should().Be("the portrait is over the upload limit of 100000 bytes");
            }
            await WaitAsync(resumed, id, v => v["status"]!.GetValue<string>() is "succeeded" or "failed" ? 1 : null);
            var view = JsonNode.Parse(await resumed.GetStringAsync($"/api/jobs/{id}", TestContext.Current.CancellationToken))!;
            view["status"]!.GetValue<string>().Should().Be("succeeded");
        }
        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(work.Path, "jobs-store", "jobs", id, "report.json"), TestContext.Current.CancellationToken))!;
        report["segmentsReused"]!.GetValue<int>().Should().BeGreaterThanOrEqualTo(framesBefore / 25, "segments finished before the crash are not rendered again");
        report["segmentsRendered"]!.GetValue<int>().Should().Be(3 - report["segmentsReused"]!.GetValue<int>());
    }

    private static async Task<string> UploadAsync(HttpClient http, string kind, string path)
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));
        using var response = await http.PostAsync($"/api/uploads/{kind}", content, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.Should().Be(HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!["blob"]!.GetValue<string>();
    }

    private static async Task<int> WaitAsync(HttpClient http, string id, Func<JsonNode, int?> until)
    {
        var deadline = DateTime.UtcNow + Dub;
        while (true)
        {
            var view = JsonNode.Parse(await http.GetStringAsync($"/api/jobs/{id}", TestContext.Current.CancellationToken))!;
            if (until(view) is { } value) return value;
            if (view["status"]!.GetValue<string>() is "failed" or "canceled") throw new InvalidOperationException($"job {id} ended: {view.ToJsonString()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {id}: {view.ToJsonString()}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static bool ImageLoaded(Browser browser, string selector) =>
        browser.Js($"const i = document.querySelector('{selector}'); return !!i && i.complete && i.naturalWidth > 0;") is true;
}
