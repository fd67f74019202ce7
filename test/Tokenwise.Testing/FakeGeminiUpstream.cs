using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenwise.Testing;

/// <summary>
/// A fake Gemini API on real Kestrel (loopback, port 0) speaking Gemini's wire format:
/// <c>POST /v1beta/models/{model}:generateContent</c> and <c>:streamGenerateContent?alt=sse</c>, key in
/// <c>x-goog-api-key</c>, camelCase JSON, each stream event a whole <c>GenerateContentResponse</c>
/// (lines ended with CRLF, as Google sends them). Answers are deterministic. Cues, written into the
/// prompt as <c>#fake:NAME</c> like <see cref="FakeUpstream"/>'s:
/// <list type="bullet">
/// <item><c>#fake:err-400</c>, <c>err-403</c>, <c>err-404</c>, <c>err-429</c> (with a RetryInfo of 7s), <c>err-500</c>, <c>err-503</c>: a Gemini error.</item>
/// <item><c>#fake:slow-MS</c>: wait MS milliseconds before answering.</item>
/// <item><c>#fake:cached-thoughts</c>: usage with half the prompt cached and 64 thoughts tokens.</item>
/// <item><c>#fake:call-tool</c>: when tools are declared, call the first function (arguments made up from its schema).</item>
/// <item><c>#fake:stall</c>: stream two events, then send nothing until the caller goes away.</item>
/// <item><c>#fake:broken</c>: stream two events, then drop the connection.</item>
/// <item><c>#fake:hold</c>: stream two events, then wait for <see cref="ReleaseHeldStream"/> and go on.</item>
/// <item><c>#fake:stream-error</c>: stream two events, then an error event (503 <c>UNAVAILABLE</c>) and end.</item>
/// </list>
/// A conversation whose last turn holds function responses is answered with text that quotes them. A request with the
/// <c>google_search</c> tool is answered grounded: <see cref="GroundingQueries"/> search queries and the whole answer cited
/// to two web sources (<see cref="GroundingSources"/>), in the last stream event.
/// </summary>
public sealed class FakeGeminiUpstream : IAsyncDisposable
{
    public const string ApiKey = "fake-gemini-api-key";
    public const int ThoughtsTokens = 64;
    public const int GroundingQueries = 2;
    public const int GroundingToolUseTokens = 120;
    public static readonly IReadOnlyList<(string Uri, string Title)> GroundingSources =
    [
        ("https://vertexaisearch.cloud.google.com/grounding-api-redirect/fake-1", "example.com"),
        ("https://vertexaisearch.cloud.google.com/grounding-api-redirect/fake-2", "example.org"),
    ];

    // Gemini reports a failure after the stream started as an event holding its error body.
    private static readonly byte[] s_streamError = Encoding.UTF8.GetBytes(
        "data: " + ErrorBody(503, "UNAVAILABLE", "The model is overloaded. Please try again later.").ToJsonString() + "\r\n\r\n");

    private readonly WebApplication _app;
    private readonly FakeStreams _streams = new();

    private FakeGeminiUpstream(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The Gemini base URL (the gateway appends <c>/v1beta/models/...</c>).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Every request received, in order; the path includes the query.</summary>
    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public static async Task<FakeGeminiUpstream> StartAsync()
    {
        var app = Loopback.CreateBuilder().Build();
        FakeGeminiUpstream? fake = null;
        app.MapPost("/v1beta/models/{**target}", (HttpContext http, string target) => fake!.GenerateAsync(http, target));
        await app.StartAsync();
        fake = new FakeGeminiUpstream(app, Loopback.Address(app));
        return fake;
    }

    /// <summary>Waits until no stream is being written, or the timeout passes; returns the count left.</summary>
    public Task<int> WaitForNoActiveStreamsAsync(TimeSpan timeout) => _streams.WaitForNoneAsync(timeout);

    /// <summary>Lets one stream held by <c>#fake:hold</c> go on.</summary>
    public void ReleaseHeldStream() => _streams.ReleaseHeld();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task GenerateAsync(HttpContext http, string target)
    {
        var (bytes, text) = await FakeStreams.ReadAsync(http, Received, http.Request.Path + http.Request.QueryString);

        var colon = target.LastIndexOf(':');
        var (model, method) = colon < 0 ? (target, "") : (target[..colon], target[(colon + 1)..]);
        if (http.Request.Headers["x-goog-api-key"] != ApiKey)
        {
            // Gemini answers a wrong key with 400, not 401.
            await WriteErrorAsync(http, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
            return;
        }

        if (method is not ("generateContent" or "streamGenerateContent") || (method == "streamGenerateContent") != (http.Request.Query["alt"] == "sse"))
        {
            await WriteErrorAsync(http, 404, "NOT_FOUND", $"Method '{method}' with these query parameters is not what the gateway should call.");
            return;
        }

        JsonObject request;
        try
        {
            request = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(http, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. " + e.Message);
            return;
        }

        var cue = FakeCue.First(text);
        if (await AnsweredWithErrorAsync(http, cue, model))
        {
            return;
        }

        var answer = Answer(request, cue);
        var responseId = Convert.ToHexStringLower(SHA256.HashData(bytes))[..20];
        if (method == "generateContent")
        {
            http.Response.ContentType = "application/json; charset=UTF-8";
            await http.Response.WriteAsync(Response(answer.Parts, answer.FinishReason, answer.Usage(answer.Parts), model, responseId, answer.Grounding()).ToJsonString());
            return;
        }

        await _streams.WriteAsync(http, "text/event-stream", async () =>
        {
            var events = answer.StreamEvents();
            for (var i = 0; i < events.Count; i++)
            {
                if (i == 2 && await _streams.PlayStreamCueAsync(http, cue, s_streamError))
                {
                    return;
                }

                var last = i == events.Count - 1;
                var chunk = Response(events[i], last ? answer.FinishReason : null, answer.Usage(events.Take(i + 1).SelectMany(e => e).ToList()), model, responseId,
                    last ? answer.Grounding() : null);
                await http.Response.WriteAsync("data: " + chunk.ToJsonString() + "\r\n\r\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
        });
    }

    private static FakeAnswer Answer(JsonObject request, string? cue)
    {
        var contents = request["contents"] as JsonArray ?? [];
        var promptWords = Words(request["systemInstruction"]) + contents.Sum(Words);
        var lastParts = (contents.LastOrDefault()?["parts"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var responses = lastParts.Select(p => p["functionResponse"]).OfType<JsonObject>().ToList();
        var declarations = (request["tools"] as JsonArray ?? []).SelectMany(t => t?["functionDeclarations"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var shape = (Cached: cue == "cached-thoughts" ? promptWords / 2 : 0, Thoughts: cue == "cached-thoughts" ? ThoughtsTokens : 0);
        var grounded = (request["tools"] as JsonArray ?? []).Any(t => t?["google_search"] is not null);

        if (responses.Count > 0)
        {
            var quoted = string.Join(" and ", responses.Select(r => $"{r["name"]} returned {r["response"]?.ToJsonString()}"));
            return new FakeAnswer([Text($"The function {quoted}.")], "STOP", promptWords, shape, grounded);
        }

        if (cue == "call-tool" && declarations.Count > 0)
        {
            var function = declarations[0];
            var args = new JsonObject();
            var schema = function["parametersJsonSchema"] ?? function["parameters"];
            foreach (var (property, definition) in schema?["properties"] as JsonObject ?? [])
            {
                args[property] = definition?["type"]?.ToString() switch
                {
                    "integer" or "number" => 1,
                    "boolean" => true,
                    _ => $"fake {property}",
                };
            }

            var call = new JsonObject { ["functionCall"] = new JsonObject { ["name"] = function["name"]!.DeepClone(), ["args"] = args } };
            return new FakeAnswer([call], "STOP", promptWords, shape, grounded);
        }

        var userText = string.Join(" ", lastParts.Select(p => p["text"]?.ToString()).OfType<string>());
        var words = ("Gemini here, answering: " + userText).Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(16).ToList();
        var finish = "STOP";
        if (request["generationConfig"]?["maxOutputTokens"] is JsonValue max && max.TryGetValue<int>(out var limit) && limit < words.Count)
        {
            words = words.Take(limit).ToList();
            finish = "MAX_TOKENS";
        }

        return new FakeAnswer(words.Select((w, i) => Text(i == 0 ? w : " " + w)).ToList(), finish, promptWords, shape, grounded);
    }

    private static JsonObject Text(string text) => new() { ["text"] = text };

    private static int Words(JsonNode? content) =>
        (content?["parts"] as JsonArray ?? []).Sum(p => (p?["text"]?.ToString() ?? p?["functionResponse"]?.ToJsonString() ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);

    private static JsonObject Response(IReadOnlyList<JsonObject> parts, string? finishReason, JsonObject usage, string model, string responseId, JsonObject? grounding)
    {
        var candidate = new JsonObject
        {
            ["content"] = new JsonObject { ["parts"] = new JsonArray(parts.Select(p => (JsonNode)p.DeepClone()).ToArray()), ["role"] = "model" },
        };
        if (finishReason is not null)
        {
            candidate["finishReason"] = finishReason;
        }

        candidate["index"] = 0;
        if (grounding is not null)
        {
            candidate["groundingMetadata"] = grounding;
        }

        return new JsonObject
        {
            ["candidates"] = new JsonArray(candidate),
            ["usageMetadata"] = usage,
            ["modelVersion"] = model,
            ["responseId"] = responseId,
        };
    }

    private static async Task<bool> AnsweredWithErrorAsync(HttpContext http, string? cue, string model)
    {
        await FakeCue.DelayIfSlowAsync(http, cue);
        switch (cue)
        {
            case "err-400":
                await WriteErrorAsync(http, 400, "INVALID_ARGUMENT", "Invalid value at 'generation_config.temperature' (TYPE_FLOAT).");
                return true;
            case "err-403":
                await WriteErrorAsync(http, 403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers.");
                return true;
            case "err-404":
                await WriteErrorAsync(http, 404, "NOT_FOUND", $"models/{model} is not found for API version v1beta, or is not supported for generateContent.");
                return true;
            case "err-429":
                await WriteErrorAsync(http, 429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details.",
                    new JsonObject { ["@type"] = "type.googleapis.com/google.rpc.RetryInfo", ["retryDelay"] = "7s" });
                return true;
            case "err-500":
                await WriteErrorAsync(http, 500, "INTERNAL", "An internal error has occurred.");
                return true;
            case "err-503":
                await WriteErrorAsync(http, 503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
                return true;
            default:
                return false;
        }
    }

    private static async Task WriteErrorAsync(HttpContext http, int status, string rpcStatus, string message, JsonObject? detail = null)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=UTF-8";
        await http.Response.WriteAsync(ErrorBody(status, rpcStatus, message, detail).ToJsonString());
    }

    private static JsonObject ErrorBody(int status, string rpcStatus, string message, JsonObject? detail = null)
    {
        var error = new JsonObject { ["code"] = status, ["message"] = message, ["status"] = rpcStatus };
        if (detail is not null)
        {
            error["details"] = new JsonArray(detail);
        }

        return new JsonObject { ["error"] = error };
    }

    /// <summary>An answer's parts, how it ends, and what it used.</summary>
    private sealed record FakeAnswer(IReadOnlyList<JsonObject> Parts, string FinishReason, int PromptTokens, (int Cached, int Thoughts) Shape, bool Grounded)
    {
        /// <summary>Grounding metadata as Gemini sends it (a zero <c>startIndex</c> left out), or null for an answer not grounded.</summary>
        public JsonObject? Grounding()
        {
            if (!Grounded)
            {
                return null;
            }

            var text = string.Concat(Parts.Select(p => p["text"]?.ToString()));
            return new JsonObject
            {
                ["webSearchQueries"] = new JsonArray(Enumerable.Range(1, GroundingQueries).Select(i => (JsonNode)$"fake query {i}").ToArray()),
                ["searchEntryPoint"] = new JsonObject { ["renderedContent"] = "<div>fake search suggestions</div>" },
                ["groundingChunks"] = new JsonArray(GroundingSources.Select(s => (JsonNode)new JsonObject
                {
                    ["web"] = new JsonObject { ["uri"] = s.Uri, ["title"] = s.Title },
                }).ToArray()),
                ["groundingSupports"] = new JsonArray(new JsonObject
                {
                    ["segment"] = new JsonObject { ["endIndex"] = Encoding.UTF8.GetByteCount(text), ["text"] = text },
                    ["groundingChunkIndices"] = new JsonArray(0, 1),
                    ["confidenceScores"] = new JsonArray(0.9, 0.8),
                }),
            };
        }

        /// <summary>Usage once <paramref name="sent"/> has been generated; thoughts come before the first word.</summary>
        public JsonObject Usage(IReadOnlyList<JsonObject> sent)
        {
            var candidates = sent.Sum(p => p["text"] is { } text ? text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length : 8);
            var prompt = Math.Max(1, PromptTokens);
            var toolUse = Grounded ? GroundingToolUseTokens : 0;
            var usage = new JsonObject { ["promptTokenCount"] = prompt, ["candidatesTokenCount"] = candidates, ["totalTokenCount"] = prompt + toolUse + candidates + Shape.Thoughts };
            if (toolUse > 0)
            {
                usage["toolUsePromptTokenCount"] = toolUse; // the search results the model read
            }

            if (Shape.Cached > 0)
            {
                usage["cachedContentTokenCount"] = Shape.Cached;
            }

            usage["promptTokensDetails"] = new JsonArray(new JsonObject { ["modality"] = "TEXT", ["tokenCount"] = prompt });
            if (Shape.Thoughts > 0)
            {
                usage["thoughtsTokenCount"] = Shape.Thoughts;
            }

            return usage;
        }

        /// <summary>The parts of each stream event: a few words per event, a function call alone.</summary>
        public IReadOnlyList<IReadOnlyList<JsonObject>> StreamEvents() =>
            Parts.Chunk(3).Select(c => (IReadOnlyList<JsonObject>)c).ToList();
    }
}
