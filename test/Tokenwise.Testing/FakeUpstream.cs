using System.Collections.Concurrent;
using System.Globalization;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Providers.Simulated;

namespace Tokenwise.Testing;

/// <summary>
/// A fake OpenAI server on real Kestrel (loopback, port 0) that speaks the exact wire format (chat
/// completions, the Responses API, embeddings), with failures on cue. A cue is written into the prompt as <c>#fake:NAME</c>, so it travels through the
/// gateway untouched and tests can run in parallel against one server:
/// <list type="bullet">
/// <item><c>#fake:err-400</c>, <c>err-401</c>, <c>err-404</c>, <c>err-429</c> (with Retry-After), <c>err-500</c>, <c>err-503</c>: an OpenAI error;
/// <c>err-context</c>: 400 <c>context_length_exceeded</c>.</item>
/// <item><c>#fake:refuse</c>: answer with a refusal; <c>#fake:echo</c>: answer with the latest user message, word by word.</item>
/// <item>Any cue as <c>#fake:NAME@MODEL</c> (chat completions): only requests for MODEL play it.</item>
/// <item><c>#fake:slow-MS</c>: wait MS milliseconds before answering.</item>
/// <item><c>#fake:cached-reasoning</c>: usage with half the prompt cached and 64 reasoning tokens.</item>
/// <item><c>#fake:no-usage</c>: never report usage.</item>
/// <item><c>#fake:audio</c>: usage with half the prompt and half the completion reported as audio tokens.</item>
/// <item><c>#fake:huge</c>: chat completions, not streamed: an answer one byte longer than the gateway holds (<see cref="UpstreamResponse.MaxAnswerBytes"/>).</item>
/// <item><c>#fake:negative-usage</c>: chat completions: report the prompt and completion counts negated, as a broken server might.</item>
/// <item><c>#fake:error-200</c>: not streamed, an error with status 200, as some OpenAI-compatible servers answer: for chat completions an
/// error body, for the Responses API a failed response that reports its usage (12 input and 3 output tokens).</item>
/// <item><c>#fake:broken-text</c>: chat completions: text that is not Unicode, as a broken server might send it: half a surrogate pair
/// (<c>\ud83d</c>) and a byte that is not UTF-8 (Latin-1's é).</item>
/// <item><c>#fake:tool</c>: call the request's first tool (chat completions); a conversation that ends with a tool's result is answered with text quoting it.</item>
/// <item><c>#fake:dribble</c>: stream one chunk every 50 ms.</item>
/// <item><c>#fake:stall</c>: stream two chunks, then send nothing until the caller goes away.</item>
/// <item><c>#fake:broken</c>: stream two chunks, then drop the connection.</item>
/// <item><c>#fake:hold</c>: stream two chunks, then wait for <see cref="ReleaseHeldStream"/> and go on.</item>
/// <item><c>#fake:stream-error</c>: chat completions: stream two chunks, then an error event (<c>data: {"error":...}</c>, a server error) and end.</item>
/// </list>
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    public const string ApiKey = "sk-fake-upstream-key";

    /// <summary>The error event OpenAI ends a chat stream with when it fails after the stream started.</summary>
    private static readonly byte[] s_streamError =
        "data: {\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":\"server_error\"}}\n\n"u8.ToArray();

    private readonly WebApplication _app;
    private readonly FakeStreams _streams = new();
    private long _calls;
    private readonly TimeProvider _time;

    private FakeUpstream(WebApplication app, Uri baseUrl, Uri http2BaseUrl, Uri? tlsBaseUrl, TimeProvider time)
    {
        _app = app;
        BaseUrl = baseUrl;
        Http2BaseUrl = http2BaseUrl;
        TlsBaseUrl = tlsBaseUrl;
        _time = time;
    }

    /// <summary>The root, for Azure's <c>{endpoint}/openai/v1</c> paths (answered with <c>api-key</c> as well as Bearer keys).</summary>
    public Uri Root => new(BaseUrl, "/");

    /// <summary>The OpenAI base URL, ending in <c>/v1</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The same server on a port that speaks HTTP/2 in cleartext (prior knowledge only), ending in <c>/v1</c>.</summary>
    public Uri Http2BaseUrl { get; }

    /// <summary>With a certificate given at start: the same server over HTTPS, offering HTTP/2 and HTTP/1.1 by ALPN, ending in <c>/v1</c>.</summary>
    public Uri? TlsBaseUrl { get; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    /// <summary>Streams being written right now; 0 once every stream ended or was abandoned by its caller.</summary>
    public int ActiveStreams => _streams.Active;

    /// <param name="time">The clock of the answers' <c>created</c> times; golden tests fix it, so answers are the same bytes every run.</param>
    /// <param name="tls">A certificate for an HTTPS port as well (<see cref="TlsBaseUrl"/>).</param>
    public static async Task<FakeUpstream> StartAsync(bool recordRequests = true, TimeProvider? time = null,
        System.Security.Cryptography.X509Certificates.X509Certificate2? tls = null)
    {
        var app = Loopback.CreateBuilderWithHttp2(out var http1, out var http2, tls, out var https).Build();
        FakeUpstream? fake = null;
        app.MapPost("/v1/chat/completions", http => fake!.ChatAsync(http, recordRequests));
        app.MapPost("/v1/embeddings", http => fake!.EmbeddingsAsync(http, recordRequests));
        app.MapPost("/v1/responses", http => fake!.ResponsesAsync(http, recordRequests));
        // Azure OpenAI's v1 API lives under /openai/v1 of the resource, with the key in an api-key header.
        app.MapPost("/openai/v1/chat/completions", http => fake!.ChatAsync(http, recordRequests));
        app.MapPost("/openai/v1/responses", http => fake!.ResponsesAsync(http, recordRequests));
        await app.StartAsync();
        fake = new FakeUpstream(app, new Uri(http1(), "v1"), new Uri(http2(), "v1"), https() is { } tlsRoot ? new Uri(tlsRoot, "v1") : null,
            time ?? TimeProvider.System);
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

    private async Task ChatAsync(HttpContext http, bool record)
    {
        var (request, body) = await ReadAsync(http, ApiKind.ChatCompletions, record);
        if (request is null)
        {
            return;
        }

        var cue = FakeCue.First(body, request.Model);
        // OpenAI names every call, errors and streams included; #fake:oversized-request-id sends a name no client should get.
        http.Response.Headers["x-request-id"] = FakeCue.Has(body, "oversized-request-id")
            ? new string('r', 300)
            : "req_fake_" + Interlocked.Increment(ref _calls).ToString(CultureInfo.InvariantCulture);
        if (await AnsweredWithErrorAsync(http, cue))
        {
            return;
        }

        if (SimulatedAnswers.ChatRequestProblem(request.Body) is { } problem)
        {
            await WriteErrorAsync(http, problem);
            return;
        }

        var answer = SimulatedAnswers.Answer(request, request.Model, Shape(cue), _time.GetUtcNow().ToUnixTimeSeconds(), callTool: cue == "tool");
        answer = cue switch
        {
            "refuse" => answer with { Pieces = ["I'm sorry, but I can't", " help with that."] },
            "negative-usage" => answer with { Usage = answer.Usage with { InputTokens = -answer.Usage.InputTokens, OutputTokens = -answer.Usage.OutputTokens } },
            "broken-text" => answer with { Pieces = ["Cut emoji ", BrokenSurrogate, " and caf", BrokenByte, "."] },
            // The latest user message word by word, as a model repeating it would (redaction tests see their placeholders come back).
            "echo" => answer with { Pieces = [.. Routing.Routes.RequestFeatures.Read(request, request.Model).LatestUserText.Split(' ').Select((w, i) => i == 0 ? w : " " + w)] },
            _ => answer,
        };
        var includeUsage = cue != "no-usage";
        if (!request.Stream && cue == "huge")
        {
            await WriteHugeAnswerAsync(http);
            return;
        }

        if (!request.Stream && cue == "error-200")
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("""{"error":{"message":"The server is overloaded.","type":"server_error","code":"overloaded"}}""");
            return;
        }

        if (!request.Stream)
        {
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(BreakText(OpenAIWireWriter.ChatCompletion(answer, includeUsage)));
            return;
        }

        await StreamAsync(http, OpenAIWireWriter.ChatCompletionEvents(answer, includeUsage && request.ClientRequestedUsage).Select(BreakText), cue);
    }

    private const string BrokenSurrogate = "BROKEN-SURROGATE";
    private const string BrokenByte = "BROKEN-BYTE";

    /// <summary>The placeholders of <c>#fake:broken-text</c> made broken: a writer of JSON would refuse to write them.</summary>
    private static byte[] BreakText(byte[] json)
    {
        var text = System.Text.Encoding.Latin1.GetString(json);
        return text.Contains("BROKEN-", StringComparison.Ordinal)
            ? System.Text.Encoding.Latin1.GetBytes(text.Replace(BrokenSurrogate, "\\ud83d", StringComparison.Ordinal).Replace(BrokenByte, "\u00e9", StringComparison.Ordinal))
            : json;
    }

    /// <summary>The Responses API: the same answers and cues, as a response object or its typed events.</summary>
    private async Task ResponsesAsync(HttpContext http, bool record)
    {
        var (request, body) = await ReadAsync(http, ApiKind.Responses, record);
        if (request is null)
        {
            return;
        }

        var cue = FakeCue.First(body);
        if (await AnsweredWithErrorAsync(http, cue))
        {
            return;
        }

        var answer = SimulatedAnswers.Answer(request, request.Model, Shape(cue), _time.GetUtcNow().ToUnixTimeSeconds());
        var includeUsage = cue != "no-usage";
        if (!request.Stream && cue == "error-200")
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("""
                {"id":"resp_failed","object":"response","status":"failed","error":{"code":"server_error","message":"The model failed."},
                 "output":[],"usage":{"input_tokens":12,"output_tokens":3,"total_tokens":15}}
                """);
            return;
        }

        if (!request.Stream)
        {
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(ResponsesWireWriter.Response(answer, includeUsage));
            return;
        }

        await StreamAsync(http, ResponsesWireWriter.Events(answer, includeUsage), cue);
    }

    /// <summary>A chat completion of <see cref="UpstreamResponse.MaxAnswerBytes"/> + 1 bytes, written from one reused buffer.</summary>
    private static async Task WriteHugeAnswerAsync(HttpContext http)
    {
        var head = """{"id":"chatcmpl-huge","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":" """u8.ToArray();
        var tail = "\"},\"finish_reason\":\"stop\"}]}"u8.ToArray();
        var filler = new byte[1024 * 1024];
        filler.AsSpan().Fill((byte)'y');
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(head, http.RequestAborted);
        for (long left = UpstreamResponse.MaxAnswerBytes + 1L - head.Length - tail.Length; left > 0; left -= filler.Length)
        {
            await http.Response.Body.WriteAsync(filler.AsMemory(0, (int)Math.Min(left, filler.Length)), http.RequestAborted);
        }

        await http.Response.Body.WriteAsync(tail, http.RequestAborted);
    }

    private static SimulatedUsageShape Shape(string? cue) => cue switch
    {
        "cached-reasoning" => new SimulatedUsageShape(CachedPromptShare: 0.5, ReasoningTokens: 64),
        "audio" => new SimulatedUsageShape(AudioShare: 0.5),
        _ => SimulatedUsageShape.Plain,
    };

    /// <summary>Writes server-sent events one by one, flushing each, and plays the stream cues (stall, broken, dribble).</summary>
    private Task StreamAsync(HttpContext http, IEnumerable<byte[]> events, string? cue) =>
        _streams.WriteAsync(http, "text/event-stream; charset=utf-8", async () =>
        {
            var sent = 0;
            foreach (var sseEvent in events)
            {
                if (sent == 2 && await _streams.PlayStreamCueAsync(http, cue, s_streamError))
                {
                    return;
                }

                await http.Response.Body.WriteAsync(sseEvent, http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
                sent++;
                if (cue == "dribble")
                {
                    await Task.Delay(50, http.RequestAborted);
                }
            }
        });

    private async Task EmbeddingsAsync(HttpContext http, bool record)
    {
        var (request, body) = await ReadAsync(http, ApiKind.Embeddings, record);
        if (request is null || await AnsweredWithErrorAsync(http, FakeCue.First(body)))
        {
            return;
        }

        var (status, answer) = SimulatedAnswers.EmbeddingsResponse(request, request.Model, defaultDimensions: 256);
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(answer);
    }

    private async Task<(LlmRequest? Request, string Body)> ReadAsync(HttpContext http, ApiKind api, bool record)
    {
        var (bytes, text) = await FakeStreams.ReadAsync(http, record ? Received : null, http.Request.Path);

        if (http.Request.Headers.Authorization != "Bearer " + ApiKey && http.Request.Headers["api-key"] != ApiKey)
        {
            await WriteErrorAsync(http, 401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.");
            return (null, text);
        }

        if (!OpenAIRequestParser.TryParse(bytes, api, out var request, out var error))
        {
            await WriteErrorAsync(http, error.Status, error.Type, error.Code, error.Message);
            return (null, text);
        }

        return (request, text);
    }

    private static async Task<bool> AnsweredWithErrorAsync(HttpContext http, string? cue)
    {
        await FakeCue.DelayIfSlowAsync(http, cue);
        switch (cue)
        {
            case "err-400":
                await WriteErrorAsync(http, 400, "invalid_request_error", "invalid_value", "Invalid value for 'temperature'.");
                return true;
            case "err-401":
                await WriteErrorAsync(http, 401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.");
                return true;
            case "err-404":
                await WriteErrorAsync(http, 404, "invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it.");
                return true;
            case "err-429":
                http.Response.Headers.RetryAfter = "7";
                await WriteErrorAsync(http, 429, "requests", "rate_limit_exceeded", "Rate limit reached for requests.");
                return true;
            case "err-500":
                await WriteErrorAsync(http, 500, "server_error", null, "The server had an error while processing your request.");
                return true;
            case "err-503":
                await WriteErrorAsync(http, 503, "server_error", null, "The engine is currently overloaded, please try again later.");
                return true;
            case "err-context":
                await WriteErrorAsync(http, 400, "invalid_request_error", "context_length_exceeded",
                    "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.");
                return true;
            default:
                return false;
        }
    }

    private static Task WriteErrorAsync(HttpContext http, int status, string type, string? code, string message) =>
        WriteErrorAsync(http, new GatewayError(status, type, code, message));

    private static async Task WriteErrorAsync(HttpContext http, GatewayError error)
    {
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        OpenAIErrorBody.Write(error, http.Response.BodyWriter);
        await http.Response.BodyWriter.FlushAsync();
    }
}
