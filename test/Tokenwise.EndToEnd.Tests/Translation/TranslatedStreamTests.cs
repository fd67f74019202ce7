using System.Text;
using System.Text.Json;
using Tokenwise.Metering;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests.Translation;

/// <summary>
/// Streams translated between dialects, through the real gateway, for each translation: an OpenAI client
/// served by Anthropic, an Anthropic client served by OpenAI, an OpenAI client served by Gemini. Each
/// upstream event reaches the client as it arrives; a stream that goes idle, breaks, fails or is left by
/// its client leaves exactly one usage record saying so, and the client sees its own dialect's error event.
/// </summary>
public sealed class TranslatedStreamTests(TranslatedStreamFixture fixture) : IClassFixture<TranslatedStreamFixture>
{
    public const string OpenAIToAnthropic = "openai-to-anthropic";
    public const string AnthropicToOpenAI = "anthropic-to-openai";
    public const string OpenAIToGemini = "openai-to-gemini";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Directions => [OpenAIToAnthropic, AnthropicToOpenAI, OpenAIToGemini];

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task EachEventIsRelayedAsItArrivesNotBufferedUntilTheStreamEnds(string direction)
    {
        using var http = new HttpClient { BaseAddress = fixture.Patient.BaseUrl };
        using var response = await SendAsync(http, direction, "hold", "relay each word as it comes", Ct);
        using var stream = await response.Content.ReadAsStreamAsync(Ct);

        // The upstream sent its first words and now waits for the test to release it: they can only be
        // here if the gateway translated and passed each event on as it came. A gateway that buffered the
        // stream would deliver nothing until its idle timeout ended the stream with an error event instead.
        var received = new StringBuilder();
        await StreamingClient.ReadUntilAsync(stream, received, FirstWord(direction), Ct);
        Assert.DoesNotContain(End(direction), received.ToString(), StringComparison.Ordinal);
        ReleaseHeldStream(direction);
        received.Append(await new StreamReader(stream).ReadToEndAsync(Ct));

        Assert.EndsWith(End(direction), received.ToString(), StringComparison.Ordinal);
        var record = await SingleRecordAsync(fixture.Patient, response);
        Assert.Equal((200, null, false), (record.Status, record.ErrorCode, record.Estimated));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task AStalledStreamEndsAtTheIdleTimeoutWithTheClientsErrorEventAndOneEstimatedRecord(string direction)
    {
        using var http = new HttpClient { BaseAddress = fixture.Impatient.BaseUrl };
        using var response = await SendAsync(http, direction, "stall", "wait for me", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var record = await SingleRecordAsync(fixture.Impatient, response);

        AssertEndsWithErrorEvent(direction, body, record, "upstream_timeout");
        Assert.Equal((200, "upstream_idle_timeout", true), (record.Status, record.ErrorCode, record.Estimated));
        AssertCutShortUsage(direction, record, "wait for me");
        Assert.Equal(0, await WaitForNoActiveStreamsAsync(direction));
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task ABrokenUpstreamEndsWithTheClientsErrorEventAndOneEstimatedRecord(string direction)
    {
        using var http = new HttpClient { BaseAddress = fixture.Patient.BaseUrl };
        using var response = await SendAsync(http, direction, "broken", "break off now", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var record = await SingleRecordAsync(fixture.Patient, response);

        AssertEndsWithErrorEvent(direction, body, record, "upstream_unavailable");
        Assert.Equal((200, "upstream_stream_broken", true), (record.Status, record.ErrorCode, record.Estimated));
        AssertCutShortUsage(direction, record, "break off now");
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public async Task AClientThatLeavesEndsTheUpstreamStreamAndLeavesOneEstimatedRecord(string direction)
    {
        using var http = new HttpClient { BaseAddress = fixture.Patient.BaseUrl };
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var response = await SendAsync(http, direction, "stall", "tell me a long story", hangUp.Token);
        using var stream = await response.Content.ReadAsStreamAsync(hangUp.Token);

        // Read until the first word has arrived, so the gateway has certainly relayed it before the client goes away.
        var received = new StringBuilder();
        await StreamingClient.ReadUntilAsync(stream, received, FirstWord(direction), hangUp.Token);
        await StreamingClient.LeaveWhenQuietAsync(stream, received, hangUp);

        Assert.Equal(0, await WaitForNoActiveStreamsAsync(direction));
        var record = await SingleRecordAsync(fixture.Patient, response);
        Assert.Equal((499, "client_cancelled", true), (record.Status, record.ErrorCode, record.Estimated));
        AssertCutShortUsage(direction, record, "tell me a long story");
    }

    [Theory]
    [InlineData(OpenAIToAnthropic, "overloaded")]
    [InlineData(AnthropicToOpenAI, "api_error")]
    [InlineData(OpenAIToGemini, "service_unavailable")]
    public async Task AnUpstreamErrorEventArrivesAsTheClientsErrorEventAndItsCodeIsRecorded(string direction, string code)
    {
        using var http = new HttpClient { BaseAddress = fixture.Patient.BaseUrl };
        using var response = await SendAsync(http, direction, "stream-error", "fail half way", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var record = await SingleRecordAsync(fixture.Patient, response);

        AssertEndsWithErrorEvent(direction, body, record, code);
        Assert.Equal((200, code, true), (record.Status, record.ErrorCode, record.Estimated));
        AssertCutShortUsage(direction, record, "fail half way");
    }

    /// <summary>Sends a streamed request in the client's dialect whose prompt starts with <c>#fake:<paramref name="cue"/></c>.</summary>
    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string direction, string cue, string prompt, CancellationToken cancellationToken)
    {
        // The Anthropic upstream also reports cache reads and writes, which an estimate could not know.
        var content = $"#fake:{cue} #fake:cache {prompt} ({direction})";
        var (path, json) = direction switch
        {
            OpenAIToAnthropic => ("v1/chat/completions", $$"""{"model":"anthropic/claude-haiku-4-5","stream":true,"messages":[{"role":"user","content":"{{content}}"}]}"""),
            AnthropicToOpenAI => ("v1/messages", $$"""{"model":"openai/gpt-4o-mini","max_tokens":300,"stream":true,"messages":[{"role":"user","content":"{{content}}"}]}"""),
            _ => ("v1/chat/completions", $$"""{"model":"gemini/gemini-2.0-flash","stream":true,"messages":[{"role":"user","content":"{{content}}"}]}"""),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (direction == AnthropicToOpenAI)
        {
            request.Headers.Add("anthropic-version", "2023-06-01");
        }

        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>What the client's first translated word looks like in its dialect.</summary>
    private static string FirstWord(string direction) => direction == AnthropicToOpenAI ? "\"text_delta\"" : "\"delta\":{\"content\":\"";

    /// <summary>How a stream that finished properly ends in the client's dialect.</summary>
    private static string End(string direction) =>
        direction == AnthropicToOpenAI ? "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n" : "data: [DONE]\n\n";

    /// <summary>The stream's last event is the client dialect's error event, with <paramref name="code"/>, and nothing says it finished.</summary>
    private static void AssertEndsWithErrorEvent(string direction, string body, UsageRecord record, string code)
    {
        Assert.DoesNotContain(End(direction), body, StringComparison.Ordinal);
        var last = body.TrimEnd('\n').Split("\n\n")[^1];
        if (direction == AnthropicToOpenAI)
        {
            Assert.StartsWith("event: error\ndata: ", last, StringComparison.Ordinal);
            using var error = JsonDocument.Parse(last["event: error\ndata: ".Length..]);
            Assert.Equal("error", error.RootElement.GetProperty("type").GetString());
            // Anthropic's error event names a type, not a code: a gateway failure is api_error, and carries the request id.
            Assert.Equal("api_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
            if (code.StartsWith("upstream_", StringComparison.Ordinal))
            {
                Assert.Equal(record.Id, error.RootElement.GetProperty("request_id").GetString());
            }
        }
        else
        {
            Assert.StartsWith("data: {\"error\":", last, StringComparison.Ordinal);
            using var error = JsonDocument.Parse(last["data: ".Length..]);
            Assert.Equal(code, error.RootElement.GetProperty("error").GetProperty("code").GetString());
        }
    }

    /// <summary>
    /// The usage of a stream cut short: the words relayed before it ended are counted, the rest estimated,
    /// and priced at the model's rates. What the provider reported before the cut is kept: Anthropic's
    /// <c>message_start</c> gives the whole prompt side, cache reads and writes included.
    /// </summary>
    private void AssertCutShortUsage(string direction, UsageRecord record, string prompt)
    {
        var usage = record.Usage;
        Assert.True(usage.InputTokens > 0 && usage.OutputTokens > 0, $"the prompt and the relayed words are counted: {usage}");
        switch (direction)
        {
            case OpenAIToAnthropic:
                var sent = fixture.Anthropic.Received.Single(r => r.Body.Contains($"{prompt} ({direction})", StringComparison.Ordinal));
                var reported = FakeAnthropicUpstream.Answer(sent.Body).Usage.ToTokenUsage();
                Assert.Equal((reported.InputTokens, reported.CachedInputTokens, reported.CacheWriteTokens), (usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteTokens));
                // claude-haiku-4-5: $1/M input, $0.10/M cache read, $1.25/M cache write, $5/M output.
                Assert.Equal(usage.UncachedInputTokens * 0.000001m + usage.CachedInputTokens * 0.0000001m + usage.CacheWriteTokens * 0.00000125m + usage.OutputTokens * 0.000005m,
                    record.CostUsd);
                break;
            case AnthropicToOpenAI:
                // gpt-4o-mini: $0.15/M input, $0.60/M output (nothing was reported cached).
                Assert.Equal(usage.InputTokens * 0.00000015m + usage.OutputTokens * 0.0000006m, record.CostUsd);
                break;
            default:
                // gemini-2.0-flash: $0.10/M input, $0.40/M output.
                Assert.Equal(usage.InputTokens * 0.0000001m + usage.OutputTokens * 0.0000004m, record.CostUsd);
                break;
        }
    }

    private void ReleaseHeldStream(string direction)
    {
        switch (direction)
        {
            case OpenAIToAnthropic:
                fixture.Anthropic.ReleaseHeldStream();
                break;
            case AnthropicToOpenAI:
                fixture.OpenAI.ReleaseHeldStream();
                break;
            default:
                fixture.Gemini.ReleaseHeldStream();
                break;
        }
    }

    private Task<int> WaitForNoActiveStreamsAsync(string direction) => direction switch
    {
        OpenAIToAnthropic => fixture.Anthropic.WaitForNoActiveStreamsAsync(TimeSpan.FromSeconds(10)),
        AnthropicToOpenAI => fixture.OpenAI.WaitForNoActiveStreamsAsync(TimeSpan.FromSeconds(10)),
        _ => fixture.Gemini.WaitForNoActiveStreamsAsync(TimeSpan.FromSeconds(10)),
    };

    /// <summary>The request's usage record, checking it is the only one with its id.</summary>
    private static async Task<UsageRecord> SingleRecordAsync(TestGateway gateway, HttpResponseMessage response)
    {
        var id = response.Headers.GetValues("x-tokenwise-request-id").Single();
        await gateway.RecordAsync(id);
        return Assert.Single(await gateway.RecordsAsync(r => r.Id == id));
    }
}
