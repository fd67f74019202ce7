using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tokenwise.Providers.Simulated;
using Tokenwise.Anthropic;
using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.Testing;

/// <summary>
/// A fake Anthropic Messages API on real Kestrel (loopback, port 0) that speaks the exact wire format:
/// messages streamed and not, every stream event type, <c>count_tokens</c>, and Anthropic's error
/// bodies. Answers are deterministic (ids derive from the request body), so tests can compare bytes.
/// Cues are written into the prompt as <c>#fake:NAME</c>, as with <see cref="FakeUpstream"/> (cache, thinking and tool combine):
/// <list type="bullet">
/// <item><c>#fake:err-400</c>, <c>err-401</c>, <c>err-403</c>, <c>err-404</c>, <c>err-429</c> (with Retry-After),
/// <c>err-500</c>, <c>err-529</c>: Anthropic's error body with that status; <c>err-context</c>: 400 "prompt is too long".
/// Cues written <c>#fake:NAME@MODEL</c> play only for requests to MODEL.</item>
/// <item><c>#fake:slow-MS</c>: wait MS milliseconds before answering.</item>
/// <item><c>#fake:cache</c>: usage with 2048 prompt tokens read from the cache and 512 written to it, all for five minutes.</item>
/// <item><c>#fake:cache-1h</c>: as <c>cache</c>, with 384 of the 512 written to the one-hour cache.</item>
/// <item><c>#fake:web-search</c>: usage reporting 3 searches of the web search tool (<c>server_tool_use</c>), in the message and in a stream's <c>message_delta</c>.
/// A request with a web search tool gets as many as its <c>max_uses</c> allows, and its answer cites <see cref="CitedUrls"/>.</item>
/// <item><c>#fake:thinking</c>: a thinking block (with its signature) before the text.</item>
/// <item><c>#fake:tool</c>: when the request has tools, call the first one (a tool_use block, stop_reason tool_use).</item>
/// <item><c>#fake:stream-error</c>: stream the first word, then an <c>error</c> event (overloaded) and end.</item>
/// <item><c>#fake:stall</c>: stream the first word, then send nothing until the caller goes away.</item>
/// <item><c>#fake:broken</c>: stream the first word, then drop the connection.</item>
/// <item><c>#fake:hold</c>: stream the first word, then wait for <see cref="ReleaseHeldStream"/> and go on.</item>
/// </list>
/// When the last user message carries a <c>tool_result</c>, the answer is text that quotes the result. Every usage
/// splits the cache writes by lifetime in <c>cache_creation</c>, as Anthropic's does.
/// </summary>
public sealed class FakeAnthropicUpstream : IAsyncDisposable
{
    public const string ApiKey = "sk-ant-fake-upstream-key";
    public const int CacheReadTokens = 2048;
    public const int CacheWriteTokens = 512;
    public const int CacheWrite1hTokens = 384;

    // Anthropic escapes only what JSON requires ("\"", not "\u0022"); so does the fake, for byte-exact golden files.
    private static readonly JsonWriterOptions s_wire = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // What Anthropic sends when a stream fails after it started (here: overloaded).
    private static readonly byte[] s_streamError = Encoding.UTF8.GetBytes(Event("error", w =>
    {
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", "overloaded_error");
        w.WriteString("message", "Overloaded");
        w.WriteEndObject();
    }));

    private readonly WebApplication _app;
    private readonly FakeStreams _streams = new();

    private FakeAnthropicUpstream(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The API's root (Anthropic's base-URL convention: no <c>/v1</c>).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    /// <summary>Streams being written right now; 0 once every stream ended or was abandoned by its caller.</summary>
    public int ActiveStreams => _streams.Active;

    public static async Task<FakeAnthropicUpstream> StartAsync()
    {
        var app = Loopback.CreateBuilder().Build();
        FakeAnthropicUpstream? fake = null;
        app.MapPost("/v1/messages", http => fake!.MessagesAsync(http));
        app.MapPost("/v1/messages/count_tokens", http => fake!.CountTokensAsync(http));
        await app.StartAsync();
        fake = new FakeAnthropicUpstream(app, Loopback.Address(app));
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

    /// <summary>The message the fake answers <paramref name="requestBody"/> with, as its content blocks and usage.</summary>
    public static FakeMessage Answer(string requestBody)
    {
        using var document = JsonDocument.Parse(requestBody);
        var root = document.RootElement;
        var model = root.GetProperty("model").GetString()!;
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(requestBody)))[..24];
        var blocks = new List<FakeBlock>();
        if (FakeCue.Has(requestBody, "thinking"))
        {
            blocks.Add(new FakeBlock("thinking", "The user wants a short answer, so I keep it brief.", Signature: "EqQBCkYIBRgCKkDfakeSignature" + id));
        }

        var stopReason = "end_turn";
        if (LastToolResult(root) is { } toolResult)
        {
            blocks.Add(new FakeBlock("text", $"The tool returned: {toolResult}. That answers your question."));
        }
        else if (FakeCue.Has(requestBody, "tool") && root.TryGetProperty("tools", out var tools) && tools.GetArrayLength() > 0)
        {
            var tool = tools[0];
            blocks.Add(new FakeBlock("text", "Let me look that up."));
            blocks.Add(new FakeBlock("tool_use", ToolInput(tool), ToolId: "toolu_fake_" + id, ToolName: tool.GetProperty("name").GetString()));
            stopReason = "tool_use";
        }
        else
        {
            var said = LastUserText(root);
            blocks.Add(new FakeBlock("text", "Hello from the fake Anthropic upstream. You said: " + (said.Length > 60 ? said[..60] : said),
                CitedUrls: WebSearchMaxUses(root) is null ? null : CitedUrls));
        }

        var output = blocks.Sum(b => TokenEstimator.Count(model, b.Text) + (b.ToolName is null ? 0 : TokenEstimator.Count(model, b.ToolName)));
        var cached = FakeCue.Has(requestBody, "cache"); // cache-1h too
        var usage = new AnthropicUsage(InputTokens(model, root), cached ? CacheReadTokens : 0, cached ? CacheWriteTokens : 0, output)
        {
            CacheCreation1hInputTokens = FakeCue.Has(requestBody, "cache-1h") ? CacheWrite1hTokens : 0,
            WebSearchRequests = FakeCue.Has(requestBody, "web-search") || WebSearchMaxUses(root) is not null ? Math.Min(3, WebSearchMaxUses(root) ?? 3) : 0,
        };
        return new FakeMessage("msg_fake_" + id, model, blocks, stopReason, usage);
    }

    /// <summary>The web sources an answer to a request with a web search tool cites.</summary>
    public static readonly IReadOnlyList<string> CitedUrls = ["https://example.com/fake-source-1", "https://example.org/fake-source-2"];

    /// <summary>The <c>max_uses</c> of the request's web search tool (3 when it sets none), or null without one.</summary>
    private static int? WebSearchMaxUses(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.TryGetProperty("type", out var type) && type.GetString()?.StartsWith("web_search_", StringComparison.Ordinal) == true)
            {
                return tool.TryGetProperty("max_uses", out var maxUses) && maxUses.TryGetInt32(out var n) ? n : 3;
            }
        }

        return null;
    }

    /// <summary>The non-streamed message JSON.</summary>
    public static string MessageJson(FakeMessage message)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, s_wire))
        {
            WriteMessageStart(w, message, streaming: false);
            w.WriteStartArray("content");
            foreach (var block in message.Blocks)
            {
                WriteBlock(w, block, complete: true);
            }

            w.WriteEndArray();
            w.WriteString("stop_reason", message.StopReason);
            w.WriteNull("stop_sequence");
            WriteUsage(w, message.Usage);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The stream's events in order, each a complete <c>event:</c>/<c>data:</c> pair with its blank line.</summary>
    public static IEnumerable<string> StreamEvents(FakeMessage message)
    {
        yield return Event("message_start", w =>
        {
            w.WriteString("type", "message_start");
            w.WriteStartObject("message");
            WriteMessageStart(w, message, streaming: true);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            WriteUsage(w, message.Usage with { OutputTokens = 1 });
            w.WriteEndObject();
        });

        for (var index = 0; index < message.Blocks.Count; index++)
        {
            var block = message.Blocks[index];
            var i = index;
            yield return Event("content_block_start", w =>
            {
                w.WriteString("type", "content_block_start");
                w.WriteNumber("index", i);
                w.WritePropertyName("content_block");
                WriteBlock(w, block, complete: false);
            });
            if (index == 0)
            {
                yield return "event: ping\ndata: {\"type\": \"ping\"}\n\n";
            }

            var (deltaType, field) = block.Type switch
            {
                "thinking" => ("thinking_delta", "thinking"),
                "tool_use" => ("input_json_delta", "partial_json"),
                _ => ("text_delta", "text"),
            };
            foreach (var url in block.CitedUrls ?? [])
            {
                yield return Event("content_block_delta", w =>
                {
                    w.WriteString("type", "content_block_delta");
                    w.WriteNumber("index", i);
                    w.WriteStartObject("delta");
                    w.WriteString("type", "citations_delta");
                    w.WritePropertyName("citation");
                    WriteCitation(w, url);
                    w.WriteEndObject();
                });
            }

            foreach (var piece in Pieces(block))
            {
                yield return Delta(i, deltaType, field, piece);
            }

            if (block.Signature is { } signature)
            {
                yield return Delta(i, "signature_delta", "signature", signature);
            }

            yield return Event("content_block_stop", w =>
            {
                w.WriteString("type", "content_block_stop");
                w.WriteNumber("index", i);
            });
        }

        yield return Event("message_delta", w =>
        {
            w.WriteString("type", "message_delta");
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", message.StopReason);
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            w.WriteStartObject("usage");
            w.WriteNumber("output_tokens", message.Usage.OutputTokens);
            WriteServerToolUse(w, message.Usage);
            w.WriteEndObject();
        });
        yield return Event("message_stop", w => w.WriteString("type", "message_stop"));
    }

    private async Task MessagesAsync(HttpContext http)
    {
        var (request, body) = await ReadAsync(http, ApiKind.Messages);
        if (request is null)
        {
            return;
        }

        var cue = FakeCue.First(body, request.Model);
        if (await AnsweredWithErrorAsync(http, cue))
        {
            return;
        }

        var message = Answer(body);
        http.Response.Headers["request-id"] = "req_fake_" + message.Id;
        if (!request.Stream)
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(MessageJson(message));
            return;
        }

        await _streams.WriteAsync(http, "text/event-stream; charset=utf-8", async () =>
        {
            var textDeltas = 0;
            foreach (var sseEvent in StreamEvents(message))
            {
                await http.Response.WriteAsync(sseEvent, http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
                if (!sseEvent.Contains("\"text_delta\"", StringComparison.Ordinal) || ++textDeltas > 1)
                {
                    continue;
                }

                // After the first word: the cues that hold a stream or end it early.
                if (await _streams.PlayStreamCueAsync(http, cue, s_streamError))
                {
                    return;
                }
            }
        });
    }

    private async Task CountTokensAsync(HttpContext http)
    {
        var (request, body) = await ReadAsync(http, ApiKind.CountTokens);
        if (request is null || await AnsweredWithErrorAsync(http, FakeCue.First(body)))
        {
            return;
        }

        using var document = JsonDocument.Parse(body);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync($"{{\"input_tokens\":{InputTokens(request.Model, document.RootElement)}}}");
    }

    private async Task<(LlmRequest? Request, string Body)> ReadAsync(HttpContext http, ApiKind api)
    {
        var (bytes, text) = await FakeStreams.ReadAsync(http, Received, http.Request.Path);

        if (http.Request.Headers["x-api-key"] != ApiKey)
        {
            await WriteErrorAsync(http, 401, "invalid x-api-key");
            return (null, text);
        }

        if (string.IsNullOrEmpty(http.Request.Headers["anthropic-version"]))
        {
            await WriteErrorAsync(http, 400, "anthropic-version: header is required");
            return (null, text);
        }

        if (!AnthropicRequestParser.TryParse(bytes, api, [], out var request, out var error))
        {
            await WriteErrorAsync(http, error.Status, error.Message);
            return (null, text);
        }

        return (request, text);
    }

    private static async Task<bool> AnsweredWithErrorAsync(HttpContext http, string? cue)
    {
        await FakeCue.DelayIfSlowAsync(http, cue);
        var (status, message) = cue switch
        {
            "err-400" => (400, "max_tokens: Field required"),
            "err-401" => (401, "invalid x-api-key"),
            "err-403" => (403, "Your API key does not have permission to use the specified resource."),
            "err-404" => (404, "model: claude-nonexistent"),
            "err-429" => (429, "Number of request tokens has exceeded your per-minute rate limit."),
            "err-500" => (500, "Internal server error"),
            "err-529" => (529, "Overloaded"),
            "err-context" => (400, "prompt is too long: 212000 tokens > 200000 maximum"),
            _ => (0, ""),
        };
        if (status == 0)
        {
            return false;
        }

        if (status == 429)
        {
            http.Response.Headers.RetryAfter = "7";
        }

        await WriteErrorAsync(http, status, message);
        return true;
    }

    private static async Task WriteErrorAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.Headers["request-id"] = "req_fake_error";
        AnthropicErrorBody.Write(new GatewayError(status, "", null, message), "req_fake_error", http.Response.BodyWriter);
        await http.Response.BodyWriter.FlushAsync();
    }

    private static void WriteMessageStart(Utf8JsonWriter w, FakeMessage message, bool streaming)
    {
        if (!streaming)
        {
            w.WriteStartObject();
        }

        w.WriteString("id", message.Id);
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", message.Model);
    }

    private static void WriteUsage(Utf8JsonWriter w, AnthropicUsage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", usage.InputTokens);
        w.WriteNumber("cache_creation_input_tokens", usage.CacheCreationInputTokens);
        w.WriteNumber("cache_read_input_tokens", usage.CacheReadInputTokens);
        w.WriteStartObject("cache_creation");
        w.WriteNumber("ephemeral_5m_input_tokens", usage.CacheCreationInputTokens - usage.CacheCreation1hInputTokens);
        w.WriteNumber("ephemeral_1h_input_tokens", usage.CacheCreation1hInputTokens);
        w.WriteEndObject();
        w.WriteNumber("output_tokens", usage.OutputTokens);
        WriteServerToolUse(w, usage);
        w.WriteEndObject();
    }

    /// <summary>Anthropic's count of server tool calls, sent only when the web search tool ran.</summary>
    private static void WriteServerToolUse(Utf8JsonWriter w, AnthropicUsage usage)
    {
        if (usage.WebSearchRequests > 0)
        {
            w.WriteStartObject("server_tool_use");
            w.WriteNumber("web_search_requests", usage.WebSearchRequests);
            w.WriteEndObject();
        }
    }

    /// <summary>A content block: whole in a message, empty in a stream's <c>content_block_start</c>.</summary>
    private static void WriteBlock(Utf8JsonWriter w, FakeBlock block, bool complete)
    {
        w.WriteStartObject();
        w.WriteString("type", block.Type);
        switch (block.Type)
        {
            case "thinking":
                w.WriteString("thinking", complete ? block.Text : "");
                w.WriteString("signature", complete ? block.Signature : "");
                break;
            case "tool_use":
                w.WriteString("id", block.ToolId);
                w.WriteString("name", block.ToolName);
                w.WritePropertyName("input");
                w.WriteRawValue(complete ? block.Text : "{}");
                break;
            default:
                w.WriteString("text", complete ? block.Text : "");
                if (block.CitedUrls is { } urls)
                {
                    w.WriteStartArray("citations");
                    foreach (var url in complete ? urls : [])
                    {
                        WriteCitation(w, url);
                    }

                    w.WriteEndArray();
                }

                break;
        }

        w.WriteEndObject();
    }

    private static void WriteCitation(Utf8JsonWriter w, string url)
    {
        w.WriteStartObject();
        w.WriteString("type", "web_search_result_location");
        w.WriteString("url", url);
        w.WriteString("title", "Fake source " + (CitedUrls.ToList().IndexOf(url) + 1));
        w.WriteString("encrypted_index", "EpQBfake");
        w.WriteString("cited_text", "What the fake source says.");
        w.WriteEndObject();
    }

    private static string Delta(int index, string deltaType, string field, string value) => Event("content_block_delta", w =>
    {
        w.WriteString("type", "content_block_delta");
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        w.WriteString("type", deltaType);
        w.WriteString(field, value);
        w.WriteEndObject();
    });

    /// <summary>How a block streams: text word by word; tool input JSON in three parts after an empty one, as Anthropic does.</summary>
    private static IEnumerable<string> Pieces(FakeBlock block)
    {
        if (block.Type == "tool_use")
        {
            yield return "";
            var third = Math.Max(1, block.Text.Length / 3);
            for (var at = 0; at < block.Text.Length; at += third)
            {
                yield return block.Text.Substring(at, Math.Min(third, block.Text.Length - at));
            }

            yield break;
        }

        var words = block.Text.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            yield return i == 0 ? words[i] : " " + words[i];
        }
    }

    private static string Event(string name, Action<Utf8JsonWriter> writeMembers)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, s_wire))
        {
            w.WriteStartObject();
            writeMembers(w);
            w.WriteEndObject();
        }

        return $"event: {name}\ndata: {Encoding.UTF8.GetString(buffer.ToArray())}\n\n";
    }

    /// <summary>The prompt's tokens as the fake bills them: its system, message and tool text, plus framing per message.</summary>
    private static long InputTokens(string model, JsonElement root)
    {
        var text = new StringBuilder();
        var messages = 0;
        foreach (var name in (string[])["system", "messages", "tools"])
        {
            if (root.TryGetProperty(name, out var value))
            {
                AppendStrings(value, text);
                messages += name == "messages" && value.ValueKind == JsonValueKind.Array ? value.GetArrayLength() : 0;
            }
        }

        return TokenEstimator.Count(model, text.ToString()) + 3 * messages + 4;
    }

    private static void AppendStrings(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                text.Append(value.GetString()).Append('\n');
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    AppendStrings(item, text);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    AppendStrings(property.Value, text);
                }

                break;
        }
    }

    private static JsonElement? LastUserMessage(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        JsonElement? last = null;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.TryGetProperty("role", out var role) && role.GetString() == "user")
            {
                last = message;
            }
        }

        return last;
    }

    private static string LastUserText(JsonElement root)
    {
        if (LastUserMessage(root) is not { } message || !message.TryGetProperty("content", out var content))
        {
            return "";
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        var text = new StringBuilder();
        foreach (var block in content.EnumerateArray())
        {
            if (block.TryGetProperty("text", out var part))
            {
                text.Append(part.GetString());
            }
        }

        return text.ToString();
    }

    /// <summary>The text of a <c>tool_result</c> block in the last user message, if it has one.</summary>
    private static string? LastToolResult(JsonElement root)
    {
        if (LastUserMessage(root) is not { } message || !message.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var block in content.EnumerateArray())
        {
            if (block.TryGetProperty("type", out var type) && type.GetString() == "tool_result")
            {
                var text = new StringBuilder();
                if (block.TryGetProperty("content", out var result))
                {
                    AppendStrings(result, text);
                }

                return text.ToString().Trim();
            }
        }

        return null;
    }

    /// <summary>Arguments that fit the tool's input schema.</summary>
    private static string ToolInput(JsonElement tool) =>
        SimulatedToolArguments.For(tool.TryGetProperty("input_schema", out var schema) ? schema : default);
}
