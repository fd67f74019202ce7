using System.Text;
using System.Text.Json;
using global::Anthropic.Exceptions;
using global::Anthropic.Models.Messages;

namespace Tokenwise.EndToEnd.Tests.Anthropic;

/// <summary>The official Anthropic .NET SDK, unchanged but for its base URL, through the gateway to a fake Anthropic upstream.</summary>
public sealed class AnthropicSdkTests(AnthropicGatewayFixture fixture) : IClassFixture<AnthropicGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Tool s_weatherTool = new()
    {
        Name = "get_weather",
        Description = "The current weather in a city.",
        InputSchema = new InputSchema(new Dictionary<string, JsonElement>
        {
            ["type"] = JsonSerializer.SerializeToElement("object"),
            ["properties"] = JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["city"] = new Dictionary<string, string> { ["type"] = "string" } }),
            ["required"] = JsonSerializer.SerializeToElement(new[] { "city" }),
        }),
    };

    [Fact]
    public async Task TheSdkPagesThroughTheModelsServedAndRetrievesOne()
    {
        var client = fixture.Client();

        var first = await client.Models.List(new global::Anthropic.Models.Models.ModelListParams { Limit = 3 }, Ct);
        var all = new List<string>();
        await foreach (var model in global::Anthropic.IPageExtensions.Paginate(first, Ct))
        {
            all.Add(model.ID);
        }

        using var http = fixture.Http();
        http.DefaultRequestHeaders.Remove("anthropic-version"); // OpenAI's format: the same models, in one list
        using var openai = JsonDocument.Parse(await http.GetStringAsync("v1/models", Ct));
        Assert.Equal(3, first.Items.Count);
        Assert.True(first.HasNext());
        Assert.Equal(openai.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()), all);
        Assert.Contains("haiku", all);
        Assert.Contains("claude-haiku-4-5", all);

        var one = await client.Models.Retrieve("claude-haiku-4-5", cancellationToken: Ct);
        Assert.Equal(("claude-haiku-4-5", "claude-haiku-4-5"), (one.ID, one.DisplayName));
        var e = await Assert.ThrowsAsync<AnthropicNotFoundException>(() => client.Models.Retrieve("no-such-model", cancellationToken: Ct));
        Assert.Contains("no-such-model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonStreamingMessageIsAnsweredAndMeteredExactly()
    {
        var message = await fixture.Client().Messages.Create(new MessageCreateParams
        {
            Model = "claude-sonnet-4-5",
            MaxTokens = 256,
            Messages = [new UserMessageParam("Say hello to the SDK")],
        }, Ct);

        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Contains("Say hello to the SDK", text.Text, StringComparison.Ordinal);
        var record = await RecordOfAsync("claude-sonnet-4-5"); // this class's only request for it
        Assert.Equal((message.Usage.InputTokens, message.Usage.OutputTokens), (record.Usage.InputTokens, record.Usage.OutputTokens));
        Assert.Equal(("anthropic", "messages", "anthropic", "claude-sonnet-4-5", 200), (record.Dialect, record.Endpoint, record.Provider, record.UpstreamModel, record.Status));
        Assert.False(record.Estimated);
        // claude-sonnet-4-5: $3/M input, $15/M output.
        Assert.Equal(message.Usage.InputTokens * 0.000003m + message.Usage.OutputTokens * 0.000015m, record.CostUsd);
    }

    [Fact]
    public async Task StreamingMessageArrivesEventByEventAndIsMetered()
    {
        var text = new StringBuilder();
        var kinds = new List<string>();
        long? inputTokens = null, outputTokens = null;
        string? id = null;
        await foreach (var streamEvent in fixture.Client().Messages.CreateStreaming(new MessageCreateParams
        {
            Model = "anthropic/claude-haiku-4-5",
            MaxTokens = 256,
            Messages = [new UserMessageParam("#fake:thinking Stream a friendly answer")],
        }, Ct))
        {
            if (streamEvent.TryPickStart(out var start))
            {
                kinds.Add("start");
                id = start.Message.ID;
                inputTokens = start.Message.Usage.InputTokens;
            }
            else if (streamEvent.TryPickContentBlockDelta(out var delta))
            {
                if (delta.Delta.TryPickText(out var textDelta))
                {
                    kinds.Add("text");
                    text.Append(textDelta.Text);
                }
                else if (delta.Delta.TryPickThinking(out _))
                {
                    kinds.Add("thinking");
                }
                else if (delta.Delta.TryPickSignature(out _))
                {
                    kinds.Add("signature");
                }
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                kinds.Add("delta");
                outputTokens = messageDelta.Usage.OutputTokens;
            }
            else if (streamEvent.TryPickStop(out _))
            {
                kinds.Add("stop");
            }
        }

        Assert.Contains("Stream a friendly answer", text.ToString(), StringComparison.Ordinal);
        Assert.Equal(["start", "thinking", "signature", "text", "delta", "stop"], kinds.Distinct());
        Assert.StartsWith("msg_", id, StringComparison.Ordinal);
        var record = await RecordOfAsync("anthropic/claude-haiku-4-5");
        Assert.True(record.Stream);
        Assert.False(record.Estimated);
        Assert.NotNull(record.TtftMs);
        Assert.Equal((inputTokens, outputTokens), (record.Usage.InputTokens, record.Usage.OutputTokens));
    }

    [Fact]
    public async Task AToolCallRoundTripsThroughTheGateway()
    {
        var client = fixture.Client();
        var question = new UserMessageParam("#fake:tool What is the weather in Paris?");
        var first = await client.Messages.Create(new MessageCreateParams
        {
            Model = "haiku",
            MaxTokens = 256,
            Tools = [s_weatherTool],
            Messages = [question],
        }, Ct);

        Assert.Equal(StopReason.ToolUse, first.StopReason!.Value());
        var call = first.Content.Select(b => b.TryPickToolUse(out var toolUse) ? toolUse : null).Single(t => t is not null)!;
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Paris", call.Input["city"].GetString());

        var second = await client.Messages.Create(new MessageCreateParams
        {
            Model = "haiku",
            MaxTokens = 256,
            Tools = [s_weatherTool],
            Messages =
            [
                question,
                new AssistantMessageParam(new List<ContentBlockParam>
                {
                    new ToolUseBlockParam { ID = call.ID, Name = call.Name, Input = call.Input },
                }),
                new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam(call.ID) { Content = "18 degrees and sunny" } }),
            ],
        }, Ct);

        Assert.True(second.Content[0].TryPickText(out var answer));
        Assert.Contains("18 degrees and sunny", answer.Text, StringComparison.Ordinal);
        var forwarded = fixture.Upstream.Received.Last(r => r.Body.Contains("18 degrees and sunny", StringComparison.Ordinal));
        Assert.Contains($"\"tool_use_id\":\"{call.ID}\"", forwarded.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamedToolCallRoundTripsThroughTheGatewayWithIdsAndUsageKept()
    {
        var client = fixture.Client();
        var question = new UserMessageParam("#fake:tool What is the weather in Berlin? (streamed)");
        var first = await StreamAsync(client, new MessageCreateParams { Model = "haiku", MaxTokens = 256, Tools = [s_weatherTool], Messages = [question] });

        Assert.Equal(StopReason.ToolUse, first.StopReason);
        Assert.StartsWith("toolu_fake_", first.ToolUseId, StringComparison.Ordinal); // the upstream's id, relayed as sent
        Assert.Equal(("get_weather", "{\"city\":\"Paris\"}"), (first.ToolName, first.ToolInput));

        var input = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(first.ToolInput)!;
        var second = await StreamAsync(client, new MessageCreateParams
        {
            Model = "haiku",
            MaxTokens = 256,
            Tools = [s_weatherTool],
            Messages =
            [
                question,
                new AssistantMessageParam(new List<ContentBlockParam> { new ToolUseBlockParam { ID = first.ToolUseId!, Name = first.ToolName!, Input = input } }),
                new UserMessageParam(new List<ContentBlockParam> { new ToolResultBlockParam(first.ToolUseId!) { Content = "21 degrees and cloudy" } }),
            ],
        });

        Assert.Equal(StopReason.EndTurn, second.StopReason);
        Assert.Equal("The tool returned: 21 degrees and cloudy. That answers your question.", second.Text);
        var forwarded = fixture.Upstream.Received.Last(r => r.Body.Contains("21 degrees and cloudy", StringComparison.Ordinal));
        Assert.Contains($"\"type\":\"tool_use\",\"id\":\"{first.ToolUseId}\"", forwarded.Body, StringComparison.Ordinal);
        Assert.Contains($"\"tool_use_id\":\"{first.ToolUseId}\"", forwarded.Body, StringComparison.Ordinal);

        // One record per request (newest first), each metered from its stream: message_start's input, message_delta's output.
        var records = await fixture.Gateway.RecordsAsync(r => r.Model == "haiku" && r.Stream, atLeast: 2);
        Assert.Equal(2, records.Count);
        foreach (var (record, streamed) in records.Zip([second, first]))
        {
            Assert.Equal(("anthropic", "anthropic", "claude-haiku-4-5", 200, false), (record.Dialect, record.Provider, record.UpstreamModel, record.Status, record.Estimated));
            Assert.Equal((streamed.InputTokens, streamed.OutputTokens), (record.Usage.InputTokens, record.Usage.OutputTokens));
            // claude-haiku-4-5: $1/M input, $5/M output.
            Assert.Equal(record.Usage.InputTokens * 0.000001m + record.Usage.OutputTokens * 0.000005m, record.CostUsd);
        }
    }

    [Fact]
    public async Task CountTokensIsForwardedAndFree()
    {
        var count = await fixture.Client().Messages.CountTokens(new MessageCountTokensParams
        {
            Model = "claude-haiku-4-5",
            Messages = [new UserMessageParam("How many tokens is this sentence, roughly?")],
        }, Ct);

        Assert.InRange(count.InputTokens, 5, 100);
        var record = (await fixture.Gateway.RecordsAsync(r => r.Endpoint == "messages.count_tokens")).First();
        Assert.Equal(("anthropic", 200, 0m), (record.Dialect, record.Status, record.CostUsd));
    }

    [Fact]
    public async Task AnUpstreamRateLimitArrivesAsTheSdksTypedExceptionWithRetryAfter()
    {
        var e = await Assert.ThrowsAsync<AnthropicRateLimitException>(() => fixture.Client().Messages.Create(new MessageCreateParams
        {
            Model = "claude-haiku-4-5",
            MaxTokens = 16,
            Messages = [new UserMessageParam("#fake:err-429 hi")],
        }, Ct));

        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, e.StatusCode);
        Assert.Equal(global::Anthropic.Models.ErrorType.RateLimitError, e.Type!.Value());
        var record = (await fixture.Gateway.RecordsAsync(r => r.Status == 429 && r.Dialect == "anthropic")).First();
        Assert.Equal("rate_limit_error", record.ErrorCode);
    }

    [Fact]
    public async Task AnUnknownModelIsTheSdksNotFoundException()
    {
        var e = await Assert.ThrowsAsync<AnthropicNotFoundException>(() => fixture.Client().Messages.Create(new MessageCreateParams
        {
            Model = "claude-no-such-model",
            MaxTokens = 16,
            Messages = [new UserMessageParam("hi")],
        }, Ct));

        Assert.Equal(global::Anthropic.Models.ErrorType.NotFoundError, e.Type!.Value());
        Assert.Contains("claude-no-such-model", e.ApiMessage, StringComparison.Ordinal);
    }

    /// <summary>A streamed message as the SDK delivers it: its text, its tool_use block (id, name, input assembled from the deltas), how it stopped and its usage.</summary>
    private static async Task<(string Text, string? ToolUseId, string? ToolName, string ToolInput, StopReason? StopReason, long InputTokens, long OutputTokens)> StreamAsync(
        global::Anthropic.AnthropicClient client, MessageCreateParams request)
    {
        var text = new StringBuilder();
        var toolInput = new StringBuilder();
        string? id = null, name = null;
        StopReason? stopReason = null;
        long inputTokens = 0, outputTokens = 0;
        await foreach (var streamEvent in client.Messages.CreateStreaming(request, Ct))
        {
            if (streamEvent.TryPickStart(out var start))
            {
                inputTokens = start.Message.Usage.InputTokens;
            }
            else if (streamEvent.TryPickContentBlockStart(out var blockStart) && blockStart.ContentBlock.TryPickToolUse(out var toolUse))
            {
                (id, name) = (toolUse.ID, toolUse.Name);
            }
            else if (streamEvent.TryPickContentBlockDelta(out var delta))
            {
                if (delta.Delta.TryPickText(out var textDelta))
                {
                    text.Append(textDelta.Text);
                }
                else if (delta.Delta.TryPickInputJson(out var json))
                {
                    toolInput.Append(json.PartialJson);
                }
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                stopReason = messageDelta.Delta.StopReason?.Value();
                outputTokens = messageDelta.Usage.OutputTokens;
            }
        }

        return (text.ToString(), id, name, toolInput.ToString(), stopReason, inputTokens, outputTokens);
    }

    /// <summary>The usage record of the one request this class sends for <paramref name="model"/>.</summary>
    private async Task<Metering.UsageRecord> RecordOfAsync(string model) =>
        Assert.Single(await fixture.Gateway.RecordsAsync(r => r.Model == model));
}
