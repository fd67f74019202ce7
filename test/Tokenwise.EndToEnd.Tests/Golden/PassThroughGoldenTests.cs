using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Golden;

/// <summary>
/// Golden files for the adapters that serve a client in its own dialect (no translation): Anthropic's
/// Messages API (<c>anthropic/</c>), OpenAI chat completions (<c>openai/</c>) and OpenAI's Responses API
/// (<c>responses/</c>), one folder per case. The input is <c>request.client.json</c>, sent through the
/// real gateway to a fake upstream; the goldens are the exact bytes the upstream received
/// (<c>request.upstream.json</c>), the exact bytes the client got (<c>response.client.json</c>,
/// <c>response.client.sse</c>, or <c>error.client.txt</c> with the status and <c>Retry-After</c>), and the
/// usage the gateway metered (<c>usage.metered.txt</c>). Regenerate with <c>TOKENWISE_UPDATE_GOLDEN=1</c>
/// (see <see cref="GoldenFiles"/>).
/// </summary>
public sealed class PassThroughGoldenTests(GoldenFixture fixture) : IClassFixture<GoldenFixture>
{
    private static readonly string[] s_adapters = ["anthropic", "openai", "responses"];

    public static TheoryData<string, string> Cases
    {
        get
        {
            var cases = new TheoryData<string, string>();
            foreach (var adapter in s_adapters)
            {
                foreach (var dir in Directory.GetDirectories(Path.Combine(GoldenRoot(), adapter)).Order(StringComparer.Ordinal))
                {
                    cases.Add(adapter, Path.GetFileName(dir));
                }
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheUpstreamGetsAndTheClientGetsExactlyTheGoldens(string adapter, string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var request = GoldenFiles.Input(Path.Combine(GoldenRoot(), adapter, name, "request.client.json"))!;
        var received = adapter == "anthropic" ? fixture.Anthropic.Received : fixture.OpenAI.Received;
        var before = received.Count;

        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        using var content = new ByteArrayContent(request);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, adapter switch
        {
            "anthropic" => "v1/messages",
            "openai" => "v1/chat/completions",
            _ => "v1/responses",
        }) { Content = content };
        if (adapter == "anthropic")
        {
            message.Headers.Add("anthropic-version", "2023-06-01");
        }

        using var response = await http.SendAsync(message, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        var record = await fixture.Gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        // One call upstream per request: nothing retried, nothing answered by the gateway itself.
        Compare(adapter, name, "request.upstream.json", Assert.Single(received.Skip(before)).Body);
        var status = (int)response.StatusCode;
        if (status != 200)
        {
            var retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : "(none)";
            Compare(adapter, name, "error.client.txt", $"HTTP {status}\nRetry-After: {retryAfter}\n\n{body}");
            Assert.Equal(status, record.Status);
            return;
        }

        var streamed = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
        Assert.Equal(streamed ? "text/event-stream; charset=utf-8" : "application/json", response.Content.Headers.ContentType!.ToString());
        Compare(adapter, name, streamed ? "response.client.sse" : "response.client.json", body);
        Compare(adapter, name, "usage.metered.txt", $"{record.Usage}\nestimated: {record.Estimated}, error: {record.ErrorCode ?? "(none)"}");
        var dialect = adapter == "anthropic" ? "anthropic" : "openai";
        Assert.Equal((dialect, dialect, 200), (record.Dialect, record.Provider, record.Status));
    }

    [Fact]
    public void EveryCaseHasItsGoldens()
    {
        foreach (var dir in s_adapters.SelectMany(a => Directory.GetDirectories(Path.Combine(GoldenRoot(), a))))
        {
            var files = Directory.GetFiles(dir).Select(Path.GetFileName).ToHashSet();
            Assert.True(files.Contains("request.client.json") && files.Contains("request.upstream.json"), dir);
            Assert.True(files.Contains("error.client.txt") != (files.Contains("response.client.json") || files.Contains("response.client.sse")), dir);
            Assert.True(files.Contains("error.client.txt") || files.Contains("usage.metered.txt"), dir);
        }
    }

    private static void Compare(string adapter, string name, string file, string actual) =>
        Assert.Equal(GoldenFiles.Expected(Path.Combine(GoldenRoot(), adapter, name, file), actual), actual);

    private static string GoldenRoot([CallerFilePath] string source = "") => Path.GetDirectoryName(source)!;
}
