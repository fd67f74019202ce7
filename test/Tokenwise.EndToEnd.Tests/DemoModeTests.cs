using System.Net;
using System.Text;
using System.Text.Json;
using Tokenwise.Metering;
using Tokenwise.Pricing;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary><c>serve --demo</c>: with no key and no config, catalog models answer from the simulated provider.</summary>
public sealed class DemoModeTests
{
    /// <summary>A usable message, for the cases about the request's other fields.</summary>
    private const string Hi = ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("openai/gpt-4o")] // a gateway-style name of a provider that is not configured
    public async Task DemoAnswersCatalogModelsPricedAtTheirCatalogPrice(string model)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions",
            new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hello demo"}]}""", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var usage = json.RootElement.GetProperty("usage");
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        Assert.Equal(("simulated", "gpt-4o"), (record.Provider, record.UpstreamModel));
        // gpt-4o: $2.50/M input, $10/M output.
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64() * 0.0000025m + usage.GetProperty("completion_tokens").GetInt64() * 0.00001m, record.CostUsd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DemoServesTheResponsesApiStreamedAndNot(bool stream)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/responses",
            new StringContent($$"""{"model":"gpt-4o","input":"hello demo","stream":{{(stream ? "true" : "false")}}}""", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var completed = stream
            ? body.Split("\n").Last(l => l.StartsWith("data: {\"type\":\"response.completed\"", StringComparison.Ordinal))[6..]
            : body;
        using var json = JsonDocument.Parse(completed);
        var usage = (stream ? json.RootElement.GetProperty("response") : json.RootElement).GetProperty("usage");
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        Assert.Equal(("simulated", "responses", stream, false), (record.Provider, record.Endpoint, record.Stream, record.Estimated));
        // gpt-4o: $2.50/M input, $10/M output.
        Assert.Equal(usage.GetProperty("input_tokens").GetInt64() * 0.0000025m + usage.GetProperty("output_tokens").GetInt64() * 0.00001m, record.CostUsd);
    }

    /// <summary>
    /// A chat request for n choices gets n, streamed or not (each choice's chunks tagged with its index), and is billed as
    /// OpenAI bills it: the prompt once, the output of every choice.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DemoAnswersEachOfNChoicesAndBillsTheOutputOfAll(bool stream)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions", new StringContent(
            $$"""{"model":"gpt-4o-mini","n":3,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hello demo"}]}""",
            Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var texts = new SortedDictionary<int, string>();
        var finishes = new SortedDictionary<int, string>();
        var payloads = stream
            ? body.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => l[6..])
            : [body];
        foreach (var payload in payloads)
        {
            using var json = JsonDocument.Parse(payload);
            foreach (var choice in json.RootElement.GetProperty("choices").EnumerateArray())
            {
                var index = choice.GetProperty("index").GetInt32();
                var content = choice.GetProperty(stream ? "delta" : "message").TryGetProperty("content", out var c) ? c.GetString() : null;
                texts[index] = texts.GetValueOrDefault(index, "") + content;
                if (choice.GetProperty("finish_reason").GetString() is { } finish)
                {
                    finishes[index] = finish;
                }
            }
        }

        Assert.Equal([0, 1, 2], texts.Keys);
        Assert.Equal(["stop", "stop", "stop"], finishes.Values);
        Assert.Single(texts.Values.Distinct());
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());
        var perChoice = TokenEstimator.Count("gpt-4o-mini", texts[0]);
        Assert.Equal((false, 3L * perChoice), (record.Estimated, record.Usage.OutputTokens));
        // gpt-4o-mini: $0.15/M input, $0.60/M output.
        Assert.Equal(record.Usage.InputTokens * 0.00000015m + 3 * perChoice * 0.0000006m, record.CostUsd);
    }

    [Theory]
    [InlineData("gemini/gemini-2.5-flash", false, 1, "0.035")] // a grounded answer, billed once
    [InlineData("gemini/gemini-3-flash-preview", true, 2, "0.028")] // two search queries, each billed
    [InlineData("claude-sonnet-4-5", true, 1, "0.01")]           // Claude's web search tool, one search
    [InlineData("gpt-4o-mini-search-preview", false, 1, "0.0275")] // a search model: its one search, at medium
    [InlineData("gpt-4o-mini", false, 0, "0")]                     // no search price: it does not search
    public async Task DemoAnswersWebSearchOptionsWithACitedSearchBilledAsItsProviderBillsIt(string model, bool stream, long searches, string searchCost)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions", new StringContent($$"""
            {"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"web_search_options":{},"messages":[{"role":"user","content":"news in the demo?"}]}
            """, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(searches > 0, body.Contains("\"url\":\"https://example.com/tokenwise-simulated-search\"", StringComparison.Ordinal));
        Assert.Equal((searches, false, false), (record.Usage.WebSearchRequests, record.Estimated, record.Unpriced));
        var price = PriceCatalog.Embedded.Find(model.Split('/')[^1], model.Contains('/') ? model.Split('/')[0] : null)!;
        Assert.Equal(record.Usage.InputTokens * price.InputPerToken + record.Usage.OutputTokens * price.OutputPerToken
            + decimal.Parse(searchCost, System.Globalization.CultureInfo.InvariantCulture), record.CostUsd);
    }

    /// <summary>
    /// The gateway forwards what it does not read untouched, so the simulated provider gets every shape a client sends:
    /// a tool's result of any shape, answering the assistant's call, is still a conversation to answer, never with a 500.
    /// </summary>
    [Theory]
    [InlineData("""{"role":"tool","tool_call_id":"c1","content":1}""")]
    [InlineData("""{"role":"tool","tool_call_id":"c1","content":null}""")]
    [InlineData("""{"role":"tool","tool_call_id":"c1","content":{"a":1}}""")]
    [InlineData("""{"role":"tool","tool_call_id":"c1","content":[1,null,{"text":5},{"type":"text","text":"ok"}]}""")]
    public async Task DemoAnswersAConversationOfAnyShapeItIsForwarded(string lastMessage)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions", new StringContent($$"""
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":"call the tool"},{{CallOfF}},{{lastMessage}}]}
            """, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal((HttpStatusCode.OK, 200), (response.StatusCode, record.Status));
        Assert.True(record.Usage.OutputTokens > 0);
    }

    /// <summary>An assistant turn calling the tool <c>f</c> as <c>c1</c>, and, in the refusals below, as <c>c2</c>.</summary>
    private const string CallOfF = """{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}""";

    private const string CallsOfF = """{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"c2","type":"function","function":{"name":"f","arguments":"{}"}}]}""";

    /// <summary>
    /// Tool messages out of turn are refused as OpenAI refuses them (the most common 400 of an agent whose history was cut
    /// short): a tool message with no assistant call before it, an assistant's calls not all answered, a tool message
    /// without the id of the call it answers.
    /// </summary>
    [Theory]
    [InlineData("""{"role":"tool","tool_call_id":"c1","content":"ok"}""", "messages.[1].role", null,
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.")]
    [InlineData(CallOfF, "messages.[1].role", null, "An assistant message with 'tool_calls' must be followed by tool messages responding to "
        + "each 'tool_call_id'. The following tool_call_ids did not have response messages: c1")]
    [InlineData(CallsOfF + """,{"role":"tool","tool_call_id":"c1","content":"ok"},{"role":"user","content":"and?"}""", "messages.[1].role", null,
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "
        + "The following tool_call_ids did not have response messages: c2")]
    [InlineData(CallOfF + """,{"role":"tool","content":"ok"}""", "messages[2].tool_call_id", "missing_required_parameter",
        "Missing required parameter: 'messages[2].tool_call_id'.")]
    public async Task DemoRefusesToolMessagesOutOfTurnAsOpenAIDoes(string messages, string param, string? code, string message)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions", new StringContent($$"""
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":"call the tool"},{{messages}}]}
            """, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal((HttpStatusCode.BadRequest, 400, 0m), (response.StatusCode, record.Status, record.CostUsd));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(("invalid_request_error", code, param, message),
            (error.GetProperty("type").GetString(), error.GetProperty("code").GetString(), error.GetProperty("param").GetString(), error.GetProperty("message").GetString()));
    }

    /// <summary>
    /// A chat request OpenAI refuses (no usable messages; a parameter of the wrong type or out of its range) is refused
    /// as OpenAI refuses it, with OpenAI's message, code and param,
    /// streamed or not: the gateway forwards it untouched, relays the 400 and records it as the failed call it is, at no
    /// cost, rather than the demo answering what OpenAI never would.
    /// </summary>
    [Theory]
    [InlineData("", "missing_required_parameter", "messages", "Missing required parameter: 'messages'.")]
    [InlineData(",\"messages\":\"hi\"", "invalid_type", "messages", "Invalid type for 'messages': expected an array of objects, but got a string instead.")]
    [InlineData(""","messages":null""", "invalid_type", "messages", "Invalid type for 'messages': expected an array of objects, but got null instead.")]
    [InlineData(""","messages":[]""", "empty_array", "messages",
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.")]
    [InlineData(""","messages":[{"role":"user","content":"hi"},5]""", "invalid_type", "messages[1]",
        "Invalid type for 'messages[1]': expected an object, but got an integer instead.")]
    [InlineData(""","messages":[{"content":"hi"}]""", "missing_required_parameter", "messages[0].role", "Missing required parameter: 'messages[0].role'.")]
    [InlineData(""","messages":[{"role":"bot","content":"hi"}]""", "invalid_value", "messages[0].role",
        "Invalid value: 'bot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.")]
    [InlineData(""","messages":[{"role":7,"content":"hi"}]""", "invalid_value", "messages[0].role",
        "Invalid value: '7'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.")]
    [InlineData(""","messages":[{"role":"user"}]""", "missing_required_parameter", "messages[0].content", "Missing required parameter: 'messages[0].content'.")]
    [InlineData(""","stream":true,"messages":[]""", "empty_array", "messages",
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.")]
    [InlineData(Hi + ",\"temperature\":\"hot\"", "invalid_type", "temperature", "Invalid type for 'temperature': expected a decimal, but got a string instead.")]
    [InlineData(Hi + ",\"temperature\":2.5", "decimal_above_max_value", "temperature",
        "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 2.5 instead.")]
    [InlineData(Hi + ",\"top_p\":-0.1", "decimal_below_min_value", "top_p", "Invalid 'top_p': decimal below minimum value. Expected a value >= 0, but got -0.1 instead.")]
    [InlineData(Hi + ",\"frequency_penalty\":3", "decimal_above_max_value", "frequency_penalty",
        "Invalid 'frequency_penalty': decimal above maximum value. Expected a value <= 2, but got 3 instead.")]
    [InlineData(Hi + ",\"n\":0", "integer_below_min_value", "n", "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.")]
    [InlineData(Hi + ",\"n\":1.5", "invalid_type", "n", "Invalid type for 'n': expected an integer, but got a number instead.")]
    [InlineData(Hi + ",\"max_tokens\":\"100\"", "invalid_type", "max_tokens", "Invalid type for 'max_tokens': expected an integer, but got a string instead.")]
    [InlineData(Hi + ",\"max_completion_tokens\":0", "integer_below_min_value", "max_completion_tokens",
        "Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.")]
    [InlineData(Hi + ",\"top_logprobs\":21", "integer_above_max_value", "top_logprobs",
        "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 21 instead.")]
    [InlineData(Hi + ",\"stream\":\"yes\"", "invalid_type", "stream", "Invalid type for 'stream': expected a boolean, but got a string instead.")]
    [InlineData(Hi + ",\"stream\":true,\"logprobs\":1", "invalid_type", "logprobs", "Invalid type for 'logprobs': expected a boolean, but got an integer instead.")]
    public async Task DemoRefusesAChatRequestOpenAIRefusesWithOpenAIsError(string fields, string code, string param, string message)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/chat/completions",
            new StringContent($$"""{"model":"gpt-4o-mini"{{fields}}}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal((HttpStatusCode.BadRequest, 400, code, 0m), (response.StatusCode, record.Status, record.ErrorCode, record.CostUsd));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(("invalid_request_error", code, param, message),
            (error.GetProperty("type").GetString(), error.GetProperty("code").GetString(), error.GetProperty("param").GetString(), error.GetProperty("message").GetString()));
    }

    /// <summary>A model called on an endpoint that does not serve it (by its catalog <c>mode</c>) gets what OpenAI answers.</summary>
    [Theory]
    [InlineData("v1/chat/completions", "text-embedding-3-small", 404, "This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?")]
    [InlineData("v1/chat/completions", "gpt-3.5-turbo-instruct", 404, "This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?")]
    [InlineData("v1/chat/completions", "o1-pro", 404, "This model is only supported in v1/responses and not in v1/chat/completions.")]
    [InlineData("v1/embeddings", "gpt-4o-mini", 403, "You are not allowed to generate embeddings from this model")]
    public async Task DemoRefusesAModelOnAnEndpointThatDoesNotServeItAsOpenAIDoes(string path, string model, int status, string message)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync(path, new StringContent(
            $$"""{"model":"{{model}}","input":"hello demo","messages":[{"role":"user","content":"hello demo"}]}""", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal((status, status, 0m), ((int)response.StatusCode, record.Status, record.CostUsd));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(("invalid_request_error", message, JsonValueKind.Null), (error.GetProperty("type").GetString(), error.GetProperty("message").GetString(),
            error.GetProperty("code").ValueKind));
    }

    /// <summary>
    /// Embeddings take OpenAI's four forms of input (a string, strings, token ids, arrays of token ids), one vector per
    /// input and token ids counted as the tokens they are; a missing, empty or malformed input gets OpenAI's 400.
    /// </summary>
    [Theory]
    [InlineData("\"input\":\"hello demo\"", 200, 1, 2)]
    [InlineData("\"input\":[\"hello demo\",\"hello\"]", 200, 2, 3)]
    [InlineData("\"input\":[15339,17755,7]", 200, 1, 3)]
    [InlineData("\"input\":[[15339,17755],[7]]", 200, 2, 3)]
    [InlineData("\"encoding_format\":\"float\"", 400, 0, 0)]
    [InlineData("\"input\":\"\"", 400, 0, 0)]
    [InlineData("\"input\":[]", 400, 0, 0)]
    [InlineData("\"input\":[\"hello\",\"\"]", 400, 0, 0)]
    [InlineData("\"input\":[\"hello\",5]", 400, 0, 0)]
    [InlineData("\"input\":[[1,2],[]]", 400, 0, 0)]
    [InlineData("\"input\":[-1]", 400, 0, 0)]
    [InlineData("\"input\":{\"text\":\"hello\"}", 400, 0, 0)]
    [InlineData("\"input\":null", 400, 0, 0)]
    public async Task DemoEmbedsEachFormOfInputOpenAITakesAndRefusesTheRest(string fields, int status, int vectors, long tokens)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/embeddings",
            new StringContent($$"""{"model":"text-embedding-3-small",{{fields}}}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal((status, status), ((int)response.StatusCode, record.Status));
        if (status == 200)
        {
            Assert.Equal((vectors, tokens, tokens), (json.RootElement.GetProperty("data").GetArrayLength(),
                json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt64(), record.Usage.InputTokens));
        }
        else
        {
            var error = json.RootElement.GetProperty("error");
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            Assert.Equal(fields.Contains("\"input\"", StringComparison.Ordinal) ? null : "input", error.GetProperty("param").GetString());
        }
    }

    /// <summary>
    /// <c>dimensions</c> that no embedding model makes get OpenAI's 400, naming the field; a float vector is the answer to any
    /// <c>encoding_format</c> but <c>base64</c>.
    /// </summary>
    [Theory]
    [InlineData("\"dimensions\":8", 200, 8)]
    [InlineData("\"dimensions\":8,\"encoding_format\":1", 200, 8)]
    [InlineData("\"dimensions\":0", 400, 0)]
    [InlineData("\"dimensions\":-1", 400, 0)]
    [InlineData("\"dimensions\":3073", 400, 0)]
    [InlineData("\"dimensions\":\"8\"", 400, 0)]
    [InlineData("\"dimensions\":null", 400, 0)]
    public async Task DemoEmbedsAtTheDimensionsAskedAndRefusesThoseNoModelMakes(string options, int status, int dimensions)
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var response = await http.PostAsync("v1/embeddings", new StringContent($$"""
            {"model":"text-embedding-3-small","input":"hello demo",{{options}}}
            """, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var record = await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single());

        Assert.Equal((status, status), ((int)response.StatusCode, record.Status));
        if (status == 200)
        {
            Assert.Equal(dimensions, json.RootElement.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
        }
        else
        {
            var error = json.RootElement.GetProperty("error");
            Assert.Equal(("invalid_request_error", "invalid_value", "dimensions"),
                (error.GetProperty("type").GetString(), error.GetProperty("code").GetString(), error.GetProperty("param").GetString()));
        }
    }

    /// <summary>A repeated search is served from the cache like any other request, and what the hit saves includes the search fee.</summary>
    [Fact]
    public async Task ARepeatedSearchIsServedFromTheCacheSavingItsSearchFeeToo()
    {
        await using var gateway = await StartDemoAsync();
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        async Task<(string? Cache, Tokenwise.Metering.UsageRecord Record)> SearchAsync()
        {
            using var response = await http.PostAsync("v1/chat/completions", new StringContent("""
                {"model":"gpt-4o-mini-search-preview","messages":[{"role":"user","content":"what changed in the demo today?"}]}
                """, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (response.Headers.GetValues("x-tokenwise-cache").Single(),
                await gateway.RecordAsync(response.Headers.GetValues("x-tokenwise-request-id").Single()));
        }

        var (firstCache, first) = await SearchAsync();
        var (secondCache, second) = await SearchAsync();

        Assert.Equal(("miss", "hit-exact"), (firstCache, secondCache));
        Assert.Equal((1L, 1L), (first.Usage.WebSearchRequests, second.Usage.WebSearchRequests));
        var price = PriceCatalog.Embedded.Find("gpt-4o-mini-search-preview", null)!;
        var searchFee = 0.0275m; // one search at the medium context size
        Assert.Equal(first.Usage.InputTokens * price.InputPerToken + first.Usage.OutputTokens * price.OutputPerToken + searchFee, first.CostUsd);
        Assert.Equal((0m, first.CostUsd), (second.CostUsd, second.SavedUsd));
    }

    private static Task<TestGateway> StartDemoAsync() => TestGateway.StartAsync(new Dictionary<string, string?>
    {
        ["demo"] = "true",
        ["providers:simulated:type"] = "simulated",
        ["providers:simulated:latency"] = "none",
    });
}
