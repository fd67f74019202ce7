using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Metering;
using Tokenwise.Providers.Translation;
using Tokenwise.Streams;
using static Tokenwise.Providers.Gemini.GeminiWire;
using static Tokenwise.Providers.Translation.OpenAIAnswerWriter;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Gemini;

/// <summary>
/// Translates Gemini's stream (each event a whole <c>GenerateContentResponse</c> with the next piece)
/// into OpenAI <c>chat.completion.chunk</c> events, one Gemini event at a time: a role chunk first, a
/// chunk per text piece or function call, a finish chunk, then at the end the usage chunk (empty
/// choices, which the endpoint hides from clients that did not ask for usage) and <c>[DONE]</c>. A
/// stream that failed (an error event) or ended without a finish reason was cut short: it ends without
/// them, as an OpenAI stream that broke does, so it is neither metered as whole nor cached. An answer grounded with
/// Google Search gets its sources as one chunk of <c>annotations</c> before the finish chunk, as OpenAI's search models
/// stream them, and its searches counted as <see cref="Searches"/> says (<paramref name="searchesPerQuery"/>).
/// </summary>
internal sealed class GeminiStreamTranslator(string model, long created, bool searchesPerQuery) : IStreamTranslator
{
    private readonly StringBuilder _text = new();
    private string? _id;
    private string _model = model;
    private int _toolCalls;
    private bool _finished;
    private bool _failed;
    private TokenUsage? _usage;
    private JsonNode? _grounding; // the grounding metadata of the whole answer so far; a later event's replaces an earlier one's

    /// <summary>Gemini's usage once its stream has finished (each event carries the usage so far; the last one is final).</summary>
    public TokenUsage? ReportedUsage => _finished && !_failed ? UsageSoFar : null;

    /// <summary>What Gemini had reported when its stream ended unfinished: the prompt, the output so far, the searches run.</summary>
    public TokenUsage? PartialUsage => _finished && !_failed ? null : UsageSoFar;

    private TokenUsage? UsageSoFar => _usage is { } usage ? usage with { WebSearchRequests = Searches(_grounding, searchesPerQuery) } : null;

    /// <summary>Translates one Gemini event's <c>data</c> payload into zero or more OpenAI events.</summary>
    public void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        JsonObject? response;
        try
        {
            response = JsonNode.Parse(data) as JsonObject;
        }
        catch (JsonException)
        {
            response = null;
        }

        if (response is null || response["error"] is not null)
        {
            // Gemini reports a failure after the stream started as an error event, with its HTTP status
            // as the code; OpenAI clients read an error event the same way.
            _failed = true;
            var status = Member(Member(response, "error"), "code") is JsonValue code && code.TryGetValue<int>(out var c) && c >= 400 ? c : 500;
            var (error, _) = GeminiErrorTranslator.ToOpenAI(status, response is null ? "{}"u8 : data);
            WriteErrorEvent(output, response is null ? error with { Message = "Gemini sent a stream event that is not JSON." } : error);
            return;
        }

        if (_id is null)
        {
            _id = CompletionId(response);
            _model = Str(response["modelVersion"]) ?? _model;
            Chunk(output, w =>
            {
                w.WriteString("role", "assistant");
                w.WriteString("content", "");
            }, finishReason: null);
        }

        if (response["usageMetadata"] is JsonObject usage)
        {
            _usage = Usage(usage);
        }

        var candidate = (response["candidates"] as JsonArray)?.FirstOrDefault();
        _grounding = Member(candidate, "groundingMetadata") ?? _grounding;

        foreach (var part in AnswerParts(candidate))
        {
            if (Str(part["text"]) is { Length: > 0 } text)
            {
                _text.Append(text);
                Chunk(output, w => w.WriteString("content", text), finishReason: null);
            }
            else if (part["functionCall"] is JsonObject call)
            {
                var index = _toolCalls++;
                Chunk(output, w =>
                {
                    // Gemini sends each call whole, so one chunk carries its id, name and all its arguments.
                    w.WriteStartArray("tool_calls");
                    w.WriteStartObject();
                    w.WriteNumber("index", index);
                    w.WriteString("id", ToolCallId(call, index));
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", Str(call["name"]) ?? "");
                    w.WriteString("arguments", Arguments(call));
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                }, finishReason: null);
            }
        }

        var blocked = candidate is null && Member(response["promptFeedback"], "blockReason") is not null;
        if (!_finished && (Str(Member(candidate, "finishReason")) is { } reason || blocked))
        {
            _finished = true;
            if (_grounding is not null && Citations(_grounding, _text.ToString()) is { Count: > 0 } citations)
            {
                Chunk(output, w => WriteAnnotations(w, citations), finishReason: null);
            }

            Chunk(output, _ => { }, blocked ? "content_filter" : FinishReason(Str(Member(candidate, "finishReason")), _toolCalls > 0));
        }
    }

    /// <summary>Ends the translated stream once Gemini's has ended: the usage chunk, then <c>[DONE]</c>, if it finished.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (_failed || !_finished)
        {
            return;
        }

        if (UsageSoFar is { } usage)
        {
            WriteUsageChunk(output, _id!, created, _model, usage);
        }

        WriteDone(output);
    }

    private void Chunk(IBufferWriter<byte> output, Action<Utf8JsonWriter> writeDelta, string? finishReason) =>
        WriteChunk(output, _id!, created, _model, writeDelta, finishReason);
}
