using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;

namespace Tokenwise.EndToEnd.Tests.Gemini;

/// <summary>The official OpenAI .NET SDK, unchanged but for the base URL, served by Gemini through the translation.</summary>
public sealed class GeminiSdkTests(GeminiFixture fixture) : IClassFixture<GeminiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // gemini/gemini-2.5-flash in the catalog: input $0.30/M, cached input $0.03/M, output and thoughts $2.50/M.
    private static decimal Gemini25FlashCost(long input, long cached, long output) =>
        (input - cached) * 0.0000003m + cached * 0.00000003m + output * 0.0000025m;

    [Fact]
    public async Task NonStreamingAnswerArrivesTranslatedAndMetered()
    {
        var result = await fixture.Chat("gemini/gemini-2.0-flash").CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("Say hello to the gateway")], cancellationToken: Ct);

        Assert.Equal("Gemini here, answering: Say hello to the gateway", result.Value.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, result.Value.FinishReason);
        var sent = fixture.Upstream.Received.Last(r => r.Body.Contains("Say hello to the gateway", StringComparison.Ordinal));
        Assert.Equal("/v1beta/models/gemini-2.0-flash:generateContent", sent.Path);
        Assert.Equal(FakeGeminiUpstreamKey, sent.Headers["x-goog-api-key"]);
        Assert.False(sent.Headers.ContainsKey("Authorization")); // the client's own key never leaves the gateway
        Assert.Contains("\"systemInstruction\":{\"parts\":[{\"text\":\"Be brief.\"}]}", sent.Body, StringComparison.Ordinal);

        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId));
        var record = await fixture.Gateway.RecordAsync(requestId!);
        // The client came in speaking OpenAI's dialect; Gemini served it.
        Assert.Equal(("openai", "gemini", "gemini-2.0-flash", 200, false), (record.Dialect, record.Provider, record.UpstreamModel, record.Status, record.Estimated));
        Assert.Equal((result.Value.Usage.InputTokenCount, result.Value.Usage.OutputTokenCount), (record.Usage.InputTokens, record.Usage.OutputTokens));
        // gemini/gemini-2.0-flash: input $0.10/M, output $0.40/M.
        Assert.Equal(record.Usage.InputTokens * 0.0000001m + record.Usage.OutputTokens * 0.0000004m, record.CostUsd);
    }

    [Fact]
    public async Task StreamingAnswerArrivesInPiecesWithUsage()
    {
        var text = new StringBuilder();
        var updates = 0;
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in fixture.Chat("gemini/gemini-2.0-flash").CompleteChatStreamingAsync(
            [new UserChatMessage("Stream a few words about caching please")], cancellationToken: Ct))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal("Gemini here, answering: Stream a few words about caching please", text.ToString());
        Assert.True(updates > 3);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage); // the SDK asks for stream usage, so it receives the usage chunk
        Assert.Equal(10, usage.OutputTokenCount);
        var sent = fixture.Upstream.Received.Last(r => r.Body.Contains("Stream a few words", StringComparison.Ordinal));
        Assert.Equal("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", sent.Path);
    }

    [Fact]
    public async Task AToolCallRoundTripKeepsIdsAndReachesTheAnswer()
    {
        var weather = ChatTool.CreateFunctionTool("get_weather", "The weather in a city.",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}"""));
        var options = new ChatCompletionOptions { Tools = { weather }, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        List<ChatMessage> messages = [new UserChatMessage("#fake:call-tool What is the weather in Paris?")];
        var client = fixture.Chat("gemini/gemini-2.5-flash");

        var first = await client.CompleteChatAsync(messages, options, Ct);
        Assert.Equal(ChatFinishReason.ToolCalls, first.Value.FinishReason);
        var call = Assert.Single(first.Value.ToolCalls);
        Assert.Equal(("call_0", "get_weather"), (call.Id, call.FunctionName));
        Assert.Equal("fake city", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());
        var sent = fixture.Upstream.Received.Last(r => r.Body.Contains("What is the weather in Paris?", StringComparison.Ordinal));
        Assert.Contains("\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\"}}", sent.Body, StringComparison.Ordinal);

        messages.Add(new AssistantChatMessage(first.Value));
        messages.Add(new ToolChatMessage(call.Id, "18 degrees and sunny"));
        var answer = await client.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { weather } }, Ct);

        Assert.Equal("The function get_weather returned {\"content\":\"18 degrees and sunny\"}.", answer.Value.Content[0].Text);
        var followUp = fixture.Upstream.Received.Last(r => r.Body.Contains("18 degrees and sunny", StringComparison.Ordinal));
        Assert.Contains("{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"content\":\"18 degrees and sunny\"}}}", followUp.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamedToolCallArrivesWhole()
    {
        var lookup = ChatTool.CreateFunctionTool("lookup", "Looks things up.",
            BinaryData.FromString("""{"type":"object","properties":{"query":{"type":"string"},"limit":{"type":"integer"}}}"""));
        var arguments = new StringBuilder();
        string? id = null, name = null;
        ChatFinishReason? finish = null;
        await foreach (var update in fixture.Chat("gemini/gemini-2.5-flash").CompleteChatStreamingAsync(
            [new UserChatMessage("#fake:call-tool look it up")], new ChatCompletionOptions { Tools = { lookup } }, Ct))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                id ??= part.ToolCallId;
                name ??= part.FunctionName;
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(("call_0", "lookup", ChatFinishReason.ToolCalls), (id, name, finish));
        Assert.Equal("""{"query":"fake query","limit":1}""", arguments.ToString());
    }

    [Fact]
    public async Task AStreamedToolCallRoundTripKeepsIdsAndIsMeteredPerRequest()
    {
        var weather = ChatTool.CreateFunctionTool("get_weather", "The weather in a city.",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));
        var client = fixture.Chat("gemini/gemini-2.5-flash-lite"); // this class's only requests for it
        List<ChatMessage> messages = [new UserChatMessage("#fake:call-tool What is the weather in Rome? (streamed)")];

        var call = await StreamAsync(client, messages, new ChatCompletionOptions { Tools = { weather }, ToolChoice = ChatToolChoice.CreateRequiredChoice() });
        Assert.Equal(("call_0", "get_weather", ChatFinishReason.ToolCalls), (call.ToolCallId, call.FunctionName, call.Finish));
        Assert.Equal("""{"city":"fake city"}""", call.Arguments);

        // The tool's result goes back under the streamed call's id; Gemini matches results by name, which the gateway finds from the id.
        messages.Add(new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall(call.ToolCallId!, call.FunctionName!, BinaryData.FromString(call.Arguments))]));
        messages.Add(new ToolChatMessage(call.ToolCallId!, "21 degrees and cloudy"));
        var answer = await StreamAsync(client, messages, new ChatCompletionOptions { Tools = { weather } });

        Assert.Equal("The function get_weather returned {\"content\":\"21 degrees and cloudy\"}.", answer.Text);
        Assert.Equal(ChatFinishReason.Stop, answer.Finish);
        var followUp = fixture.Upstream.Received.Last(r => r.Body.Contains("21 degrees and cloudy", StringComparison.Ordinal));
        Assert.Equal("/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent?alt=sse", followUp.Path);
        Assert.Contains("""{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"fake city"}}}]}""", followUp.Body, StringComparison.Ordinal);
        Assert.Contains("""{"functionResponse":{"name":"get_weather","response":{"content":"21 degrees and cloudy"}}}""", followUp.Body, StringComparison.Ordinal);

        // One record per request, newest first, each metered from the usage its stream reported.
        var records = await fixture.Gateway.RecordsAsync(r => r.Model == "gemini/gemini-2.5-flash-lite", atLeast: 2);
        Assert.Equal(2, records.Count);
        foreach (var (record, streamed) in records.Zip([answer, call]))
        {
            Assert.Equal(("openai", "gemini", "gemini-2.5-flash-lite", 200, true, false),
                (record.Dialect, record.Provider, record.UpstreamModel, record.Status, record.Stream, record.Estimated));
            Assert.Equal((streamed.Usage!.InputTokenCount, streamed.Usage.OutputTokenCount), (record.Usage.InputTokens, record.Usage.OutputTokens));
            // gemini/gemini-2.5-flash-lite: input $0.10/M, output $0.40/M.
            Assert.Equal(record.Usage.InputTokens * 0.0000001m + record.Usage.OutputTokens * 0.0000004m, record.CostUsd);
        }
    }

    [Fact]
    public async Task ARelayedGemini429IsTheSdksTypedErrorWithRetryAfter()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() =>
            fixture.Chat("gemini-2.5-flash").CompleteChatAsync([new UserChatMessage("#fake:err-429")], cancellationToken: Ct));

        Assert.Equal(429, e.Status);
        var raw = e.GetRawResponse()!;
        Assert.True(raw.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.Equal("7", retryAfter);
        using var body = JsonDocument.Parse(raw.Content.ToString());
        Assert.Equal("rate_limit_exceeded", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.True(raw.Headers.TryGetValue("x-tokenwise-request-id", out var requestId));
        var record = await fixture.Gateway.RecordAsync(requestId!);
        Assert.Equal((429, "rate_limit_exceeded"), (record.Status, record.ErrorCode));
    }

    [Theory]
    [InlineData("err-400", 400, "invalid_argument")]
    [InlineData("err-403", 403, "permission_denied")]
    [InlineData("err-404", 404, "model_not_found")]
    [InlineData("err-500", 500, "internal")]
    [InlineData("err-503", 503, "service_unavailable")]
    public async Task GeminiErrorsArriveInOpenAIsErrorBody(string cue, int status, string code)
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() =>
            fixture.Chat("gemini-2.5-flash").CompleteChatAsync([new UserChatMessage($"#fake:{cue}")], cancellationToken: Ct));

        Assert.Equal(status, e.Status);
        using var body = JsonDocument.Parse(e.GetRawResponse()!.Content.ToString());
        Assert.Equal(code, body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task NonStreamedCachedAndThoughtsTokensCostWhatTheCatalogSays()
    {
        // A bare catalog name: the catalog files it under Vertex AI and under gemini/, so the Gemini provider serves it.
        var result = await fixture.Chat("gemini-2.5-flash").CompleteChatAsync(
            [new UserChatMessage("#fake:cached-thoughts Explain context caching in a few short words please")], cancellationToken: Ct);
        var usage = result.Value.Usage;

        Assert.Equal(64, usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.True(usage.InputTokenDetails.CachedTokenCount > 0);
        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-cost-usd", out var costHeader);
        var record = await fixture.Gateway.RecordAsync(requestId!);

        Assert.Equal((usage.InputTokenCount, usage.InputTokenDetails.CachedTokenCount, usage.OutputTokenCount, 64L),
            (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.OutputTokens, record.Usage.ReasoningTokens));
        // The fake counts words: 10 prompt words (5 cached); 13 answer words plus 64 thoughts.
        Assert.Equal((10L, 5L, 77L), (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.OutputTokens));
        Assert.Equal(Gemini25FlashCost(10, 5, 77), record.CostUsd);
        Assert.Equal(record.CostUsd, decimal.Parse(costHeader!, CultureInfo.InvariantCulture));
        Assert.Equal(("openai", "gemini"), (record.Dialect, record.Provider));
    }

    [Fact]
    public async Task StreamedCachedAndThoughtsTokensCostWhatTheCatalogSays()
    {
        using var http = fixture.Http();
        using var response = await http.PostAsync("v1/chat/completions", Json("""
            {"model":"gemini-2.5-flash","stream":true,"messages":[{"role":"user","content":"#fake:cached-thoughts Stream me an answer about caches now"}]}
            """), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var record = await fixture.Gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        // The client did not ask for usage: the translated usage chunk was metered and kept from it.
        Assert.DoesNotContain("\"choices\":[]", body, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        // 8 prompt words (4 cached); 11 answer words plus 64 thoughts.
        Assert.Equal((8L, 4L, 75L, 64L), (record.Usage.InputTokens, record.Usage.CachedInputTokens, record.Usage.OutputTokens, record.Usage.ReasoningTokens));
        Assert.Equal(Gemini25FlashCost(8, 4, 75), record.CostUsd);
        Assert.False(record.Estimated);
        Assert.True(record.Stream);
        Assert.Equal(("openai", "gemini"), (record.Dialect, record.Provider));
    }

    [Fact]
    public async Task WebSearchOptionsGroundTheAnswerWithGoogleSearchCitedAndBilledOncePerGroundedAnswer()
    {
        // The official SDK's web_search_options, as a client asks OpenAI's search models to search.
#pragma warning disable OPENAI001 // the SDK marks its web search options and annotations as evaluation-only; they are what clients use
        var options = new ChatCompletionOptions { WebSearchOptions = new ChatWebSearchOptions { SearchContextSize = ChatWebSearchContextSize.Low } };
        var result = await fixture.Chat("gemini/gemini-2.5-flash").CompleteChatAsync([new UserChatMessage("Who won the match in Oslo last night?")], options, Ct);

        var sent = fixture.Upstream.Received.Last(r => r.Body.Contains("match in Oslo", StringComparison.Ordinal));
        Assert.Contains("\"tools\":[{\"google_search\":{}}]", sent.Body, StringComparison.Ordinal);
        // Gemini's grounding reaches the client as OpenAI's url_citation annotations over the whole answer.
        var text = result.Value.Content[0].Text;
        Assert.Equal(Testing.FakeGeminiUpstream.GroundingSources.Select(s => (0, text.Length, s.Uri, s.Title)),
            result.Value.Annotations.Select(a => (a.StartIndex, a.EndIndex, a.WebResourceUri.ToString(), a.WebResourceTitle)));
#pragma warning restore OPENAI001

        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-request-id", out var requestId);
        result.GetRawResponse().Headers.TryGetValue("x-tokenwise-cost-usd", out var costHeader);
        var record = await fixture.Gateway.RecordAsync(requestId!);
        // Two queries ran; gemini-2.5-flash bills the grounded answer once ($35 per 1,000), and the search results it read
        // (toolUsePromptTokenCount) as prompt tokens.
        Assert.Equal((1L, false), (record.Usage.WebSearchRequests, record.Estimated));
        Assert.Equal(result.Value.Usage.InputTokenCount, record.Usage.InputTokens);
        Assert.True(record.Usage.InputTokens > Testing.FakeGeminiUpstream.GroundingToolUseTokens);
        Assert.Equal(Gemini25FlashCost(record.Usage.InputTokens, 0, record.Usage.OutputTokens) + 0.035m, record.CostUsd);
        Assert.Equal(record.CostUsd, decimal.Parse(costHeader!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task AStreamedGroundedAnswerOfAGemini3ModelIsBilledPerSearchQueryAndCarriesItsCitations()
    {
        using var http = fixture.Http();
        using var response = await http.PostAsync("v1/chat/completions", Json("""
            {"model":"gemini-3-flash-preview","stream":true,"web_search_options":{},"messages":[{"role":"user","content":"Stream the news from Tromsø today"}]}
            """), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var record = await fixture.Gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        Assert.Contains("\"delta\":{\"annotations\":[{\"type\":\"url_citation\"", body, StringComparison.Ordinal);
        // gemini-3-flash-preview: input $0.50/M, output $3/M, and each of the answer's search queries $14 per 1,000.
        Assert.Equal((2L, false), (record.Usage.WebSearchRequests, record.Estimated));
        Assert.Equal(record.Usage.InputTokens * 0.0000005m + record.Usage.OutputTokens * 0.000003m + 2 * 0.014m, record.CostUsd);
    }

    [Theory]
    [InlineData("\"logprobs\":true", "logprobs")]
    [InlineData("\"logit_bias\":{\"50256\":-100}", "logit_bias")]
    [InlineData("\"n\":2", "n")]
    [InlineData("\"audio\":{\"voice\":\"alloy\",\"format\":\"mp3\"}", "audio")]
    [InlineData("\"parallel_tool_calls\":false", "parallel_tool_calls")]
    [InlineData("\"web_search_options\":{\"user_location\":{\"type\":\"approximate\",\"approximate\":{\"city\":\"Oslo\"}}}", "web_search_options.user_location")]
    public async Task UnsupportedFeaturesAreA400NamingTheField(string field, string param)
    {
        using var http = fixture.Http();
        using var response = await http.PostAsync("v1/chat/completions",
            Json($$"""{"model":"gemini-2.5-flash",{{field}},"messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var error = body.RootElement.GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains($"'{param}'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task AudioInputIsA400NamingThePart()
    {
        using var http = fixture.Http();
        using var response = await http.PostAsync("v1/chat/completions", Json("""
            {"model":"gemini-2.5-flash","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}
            """), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("messages[0].content[1].type", body.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    /// <summary>A streamed answer as the SDK delivers it: text, the first tool call (whole), how it finished, its usage.</summary>
    private static async Task<(string Text, string? ToolCallId, string? FunctionName, string Arguments, ChatFinishReason? Finish, ChatTokenUsage? Usage)> StreamAsync(ChatClient client, List<ChatMessage> messages, ChatCompletionOptions options)
    {
        var text = new StringBuilder();
        var arguments = new StringBuilder();
        string? id = null, name = null;
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync(messages, options, Ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            foreach (var part in update.ToolCallUpdates)
            {
                id ??= part.ToolCallId;
                name ??= part.FunctionName;
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        return (text.ToString(), id, name, arguments.ToString(), finish, usage);
    }

    private const string FakeGeminiUpstreamKey = Testing.FakeGeminiUpstream.ApiKey;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
