using System.Text;
using global::Anthropic.Exceptions;
using global::Anthropic.Models.Messages;

namespace Tokenwise.EndToEnd.Tests.Translation;

/// <summary>The official Anthropic .NET SDK, unchanged but for its base URL, served by an OpenAI provider through the translation.</summary>
public sealed class AnthropicClientToOpenAITests(TranslationFixture fixture) : IClassFixture<TranslationFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>gpt-4o-mini in the catalog: $0.15/M input, $0.075/M cached input, $0.60/M output (reasoning included).</summary>
    private static decimal MiniCost(long uncachedInput, long cached, long output) => uncachedInput * 0.00000015m + cached * 0.000000075m + output * 0.0000006m;

    [Fact]
    public async Task NonStreamingMessageIsTranslatedAndCachedTokensArePricedAtTheirRate()
    {
        var message = await fixture.Claude().Messages.Create(new MessageCreateParams
        {
            Model = "openai/gpt-4o-mini",
            MaxTokens = 256,
            System = "Be brief.",
            Messages = [new UserMessageParam("#fake:cached-reasoning Say hello to the Anthropic SDK")],
        }, Ct);

        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.False(string.IsNullOrEmpty(text.Text));
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        var sent = fixture.OpenAI.Received.Last(r => r.Body.Contains("Say hello to the Anthropic SDK", StringComparison.Ordinal));
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal("Bearer " + Testing.FakeUpstream.ApiKey, sent.Headers["Authorization"]); // the provider's key, never the client's
        Assert.StartsWith("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"}", sent.Body, StringComparison.Ordinal);

        var cached = message.Usage.CacheReadInputTokens!.Value;
        Assert.True(cached > 0);
        var record = Assert.Single(await fixture.Gateway.RecordsAsync(r => r.Dialect == "anthropic" && !r.Stream && r.Usage.CachedInputTokens == cached));
        Assert.Equal(("messages", "openai", "gpt-4o-mini", 200, false), (record.Endpoint, record.Provider, record.UpstreamModel, record.Status, record.Estimated));
        // Anthropic's input_tokens exclude the cached ones; the log's input includes them, and keeps OpenAI's reasoning count.
        Assert.Equal((message.Usage.InputTokens + cached, message.Usage.OutputTokens, 64L),
            (record.Usage.InputTokens, record.Usage.OutputTokens, record.Usage.ReasoningTokens));
        Assert.Equal(MiniCost(message.Usage.InputTokens, cached, message.Usage.OutputTokens), record.CostUsd);
    }

    [Fact]
    public async Task StreamingMessageArrivesAsAnthropicEventsAndIsMetered()
    {
        var text = new StringBuilder();
        var kinds = new List<string>();
        long? inputTokens = null, cacheRead = null, outputTokens = null;
        await foreach (var streamEvent in fixture.Claude().Messages.CreateStreaming(new MessageCreateParams
        {
            Model = "openai/gpt-4o-mini",
            MaxTokens = 256,
            Messages = [new UserMessageParam("#fake:cached-reasoning Stream a friendly answer through the translation")],
        }, Ct))
        {
            if (streamEvent.TryPickStart(out _))
            {
                kinds.Add("start");
            }
            else if (streamEvent.TryPickContentBlockStart(out _))
            {
                kinds.Add("block_start");
            }
            else if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
            {
                kinds.Add("text");
                text.Append(textDelta.Text);
            }
            else if (streamEvent.TryPickContentBlockStop(out _))
            {
                kinds.Add("block_stop");
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                kinds.Add("delta");
                (inputTokens, cacheRead, outputTokens) = (messageDelta.Usage.InputTokens, messageDelta.Usage.CacheReadInputTokens, messageDelta.Usage.OutputTokens);
            }
            else if (streamEvent.TryPickStop(out _))
            {
                kinds.Add("stop");
            }
        }

        Assert.False(string.IsNullOrEmpty(text.ToString()));
        Assert.Equal(["start", "block_start", "text", "block_stop", "delta", "stop"], kinds.Distinct());
        // The streamed tool-call test shares this gateway; only this stream carries cached tokens.
        var record = Assert.Single(await fixture.Gateway.RecordsAsync(r => r.Dialect == "anthropic" && r.Stream && r.Usage.CachedInputTokens > 0));
        Assert.False(record.Estimated);
        Assert.Equal((inputTokens + cacheRead, cacheRead, outputTokens, 64L),
            (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.OutputTokens, record.Usage.ReasoningTokens));
        Assert.Equal(MiniCost(inputTokens!.Value, cacheRead!.Value, outputTokens!.Value), record.CostUsd);
        var sent = fixture.OpenAI.Received.Last(r => r.Body.Contains("Stream a friendly answer through", StringComparison.Ordinal));
        Assert.Contains("\"stream\":true,\"stream_options\":{\"include_usage\":true}", sent.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountTokensIsAnsweredByTheGatewayAndFree()
    {
        var count = await fixture.Claude().Messages.CountTokens(new MessageCountTokensParams
        {
            Model = "openai/gpt-4o-mini",
            Messages = [new UserMessageParam("How many tokens is this sentence, roughly?")],
        }, Ct);

        Assert.InRange(count.InputTokens, 5, 100);
        Assert.DoesNotContain(fixture.OpenAI.Received, r => r.Body.Contains("How many tokens is this sentence", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUpstreamRateLimitArrivesAsTheSdksTypedException()
    {
        var e = await Assert.ThrowsAsync<AnthropicRateLimitException>(() => fixture.Claude().Messages.Create(new MessageCreateParams
        {
            Model = "openai/gpt-4o-mini",
            MaxTokens = 16,
            Messages = [new UserMessageParam("#fake:err-429 hi")],
        }, Ct));

        Assert.Equal(global::Anthropic.Models.ErrorType.RateLimitError, e.Type!.Value());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AToolCallRoundTripsThroughTheTranslation(bool streamed)
    {
        var tool = new Tool
        {
            Name = "get_weather",
            Description = "The current weather in a city.",
            InputSchema = new InputSchema(new Dictionary<string, System.Text.Json.JsonElement>
            {
                ["type"] = System.Text.Json.JsonSerializer.SerializeToElement("object"),
                ["properties"] = System.Text.Json.JsonSerializer.SerializeToElement(
                    new Dictionary<string, object> { ["city"] = new Dictionary<string, string> { ["type"] = "string" } }),
            }),
        };
        var question = new UserMessageParam($"#fake:tool What is the weather in Paris? (streamed: {streamed})");
        var request = new MessageCreateParams { Model = "openai/gpt-4o-mini", MaxTokens = 256, Tools = [tool], Messages = [question] };

        string callId, callName;
        IReadOnlyDictionary<string, System.Text.Json.JsonElement> callInput;
        if (streamed)
        {
            // The SDK assembles tool_use blocks from content_block_start and input_json_delta events.
            string? id = null, name = null;
            var input = new StringBuilder();
            await foreach (var streamEvent in fixture.Claude().Messages.CreateStreaming(request, Ct))
            {
                if (streamEvent.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse))
                {
                    (id, name) = (toolUse.ID, toolUse.Name);
                }
                else if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var json))
                {
                    input.Append(json.PartialJson);
                }
            }

            Assert.Equal("get_weather", name);
            Assert.Equal("{\"city\":\"Paris\"}", input.ToString());
            (callId, callName) = (id!, name!);
            callInput = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, System.Text.Json.JsonElement>>(input.ToString())!;
        }
        else
        {
            var first = await fixture.Claude().Messages.Create(request, Ct);
            Assert.Equal(StopReason.ToolUse, first.StopReason!.Value());
            var call = first.Content.Select(b => b.TryPickToolUse(out var toolUse) ? toolUse : null).Single(t => t is not null)!;
            Assert.Equal("get_weather", call.Name);
            Assert.Equal("Paris", call.Input["city"].GetString());
            (callId, callName, callInput) = (call.ID, call.Name, call.Input);
        }

        // The tool's result goes back in Anthropic's shape and reaches OpenAI as a tool message with the same id.
        var second = await fixture.Claude().Messages.Create(new MessageCreateParams
        {
            Model = "openai/gpt-4o-mini",
            MaxTokens = 256,
            Tools = [tool],
            Messages =
            [
                question,
                new AssistantMessageParam(new List<ContentBlockParam> { new ToolUseBlockParam { ID = callId, Name = callName, Input = callInput } }),
                new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam(callId) { Content = $"18 degrees and sunny ({streamed})" } }),
            ],
        }, Ct);

        Assert.True(second.Content[0].TryPickText(out var answer));
        Assert.Contains($"18 degrees and sunny ({streamed})", answer.Text, StringComparison.Ordinal);
        var forwarded = fixture.OpenAI.Received.Last(r => r.Body.Contains($"18 degrees and sunny ({streamed})", StringComparison.Ordinal));
        Assert.Contains($"\"tool_call_id\":\"{callId}\"", forwarded.Body, StringComparison.Ordinal);
    }
}
