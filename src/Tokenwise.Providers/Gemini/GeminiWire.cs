using System.Text;
using System.Text.Json.Nodes;
using Tokenwise.Metering;
using Tokenwise.Providers.Translation;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Gemini;

/// <summary>
/// What Gemini's answers and OpenAI's share, used by both the whole-response and the stream
/// translation: finish reasons, tool-call ids, arguments, answer parts and usage.
/// </summary>
internal static class GeminiWire
{
    /// <summary>
    /// Gemini's finish reason in OpenAI's terms. Gemini says STOP after function calls, so a turn that
    /// called functions is <c>tool_calls</c>; every safety and policy block is <c>content_filter</c>.
    /// </summary>
    public static string FinishReason(string? gemini, bool calledFunctions) => gemini switch
    {
        "MAX_TOKENS" => "length",
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" or "LANGUAGE" => "content_filter",
        _ when calledFunctions => "tool_calls",
        _ => "stop",
    };

    /// <summary>Gemini's own call id when it sent one; otherwise <c>call_N</c>, N counting the answer's calls.</summary>
    public static string ToolCallId(JsonNode functionCall, int index) => Str(functionCall["id"]) ?? $"call_{index}";

    /// <summary>The call's arguments as the JSON string OpenAI clients expect.</summary>
    public static string Arguments(JsonNode functionCall) => functionCall["args"] is { } args ? ToJson(args) : "{}";

    /// <summary>The candidate's parts that are answer, not reasoning: thought parts (<c>"thought": true</c>) are skipped.</summary>
    public static IEnumerable<JsonObject> AnswerParts(JsonNode? candidate) =>
        (Member(Member(candidate, "content"), "parts") as JsonArray ?? []).OfType<JsonObject>()
            .Where(p => !(p["thought"] is JsonValue thought && thought.TryGetValue<bool>(out var isThought) && isThought));

    /// <summary>
    /// Gemini's <c>usageMetadata</c> in the canonical convention. <c>promptTokenCount</c> already
    /// includes <c>cachedContentTokenCount</c>; tool-use prompt tokens (grounding, code execution) are
    /// prompt tokens too. <c>candidatesTokenCount</c> excludes <c>thoughtsTokenCount</c>, and both are
    /// billed as output, so output is their sum and reasoning is the thoughts. The <c>AUDIO</c> entries of
    /// <c>promptTokensDetails</c> and <c>candidatesTokensDetails</c> are audio tokens, billed at the audio rates.
    /// </summary>
    public static TokenUsage Usage(JsonNode usageMetadata)
    {
        long Count(string name) => usageMetadata[name] is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0;
        long Audio(string details) => (usageMetadata[details] as JsonArray ?? []).OfType<JsonObject>()
            .Where(d => Str(d["modality"]) == "AUDIO")
            .Sum(d => d["tokenCount"] is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0);
        var thoughts = Count("thoughtsTokenCount");
        return new TokenUsage(
            InputTokens: Count("promptTokenCount") + Count("toolUsePromptTokenCount"),
            CachedInputTokens: Count("cachedContentTokenCount"),
            CacheWriteTokens: 0,
            OutputTokens: Count("candidatesTokenCount") + thoughts,
            ReasoningTokens: thoughts)
        {
            AudioInputTokens = Audio("promptTokensDetails"),
            AudioOutputTokens = Audio("candidatesTokensDetails"),
        };
    }

    /// <summary>
    /// The web searches Google bills for an answer grounded with Google Search, from its <paramref name="groundingMetadata"/>
    /// (<c>webSearchQueries</c>): each query where the model is billed per query (<paramref name="perQuery"/>: Gemini 3), else
    /// the grounded answer once (Gemini 2.x), however many queries it ran. An answer the model chose not to ground ran none.
    /// </summary>
    public static long Searches(JsonNode? groundingMetadata, bool perQuery)
    {
        var queries = (Member(groundingMetadata, "webSearchQueries") as JsonArray)?.Count ?? 0;
        return perQuery ? queries : Math.Min(queries, 1);
    }

    /// <summary>
    /// A grounded answer's sources as OpenAI's <c>url_citation</c> annotations over <paramref name="text"/>, the answer's
    /// text: each grounding support's segment, cited by each web source it names. Gemini measures a segment in UTF-8 bytes;
    /// they are taken from the start of the text (thought parts, which come first, carry none of it), and the segment's own
    /// text checks the span: where the offsets do not land on it (an answer of several text parts), the span is found by
    /// that text. A support whose text is not in the answer is left out.
    /// </summary>
    public static List<UrlCitation> Citations(JsonNode? groundingMetadata, string text)
    {
        var citations = new List<UrlCitation>();
        if (Member(groundingMetadata, "groundingChunks") is not JsonArray sources || Member(groundingMetadata, "groundingSupports") is not JsonArray supports)
        {
            return citations;
        }

        var utf8 = Encoding.UTF8.GetBytes(text);
        foreach (var support in supports)
        {
            if (Span(Member(support, "segment"), text, utf8) is not var (start, end))
            {
                continue;
            }

            foreach (var index in Member(support, "groundingChunkIndices") as JsonArray ?? [])
            {
                if (index is JsonValue value && value.TryGetValue<int>(out var i) && i >= 0 && i < sources.Count
                    && Member(sources[i], "web") is { } web && Str(Member(web, "uri")) is { } uri)
                {
                    citations.Add(new UrlCitation(start, end, uri, Str(Member(web, "title"))));
                }
            }
        }

        return citations;
    }

    /// <summary>Where a grounding segment lies in <paramref name="text"/>, in UTF-16 code units; null when it is not there.</summary>
    private static (int Start, int End)? Span(JsonNode? segment, string text, byte[] utf8)
    {
        int Offset(string name) => Member(segment, name) is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;
        var quoted = Str(Member(segment, "text"));
        var (from, to) = (Offset("startIndex"), Offset("endIndex"));
        if (from >= 0 && from <= to && to <= utf8.Length)
        {
            var start = Encoding.UTF8.GetCharCount(utf8.AsSpan(0, from));
            var length = Encoding.UTF8.GetCharCount(utf8.AsSpan(from, to - from));
            if (start + length <= text.Length && (quoted is null || text.AsSpan(start, length).SequenceEqual(quoted)))
            {
                return (start, start + length);
            }
        }

        return quoted is { Length: > 0 } && text.IndexOf(quoted, StringComparison.Ordinal) is >= 0 and var found ? (found, found + quoted.Length) : null;
    }

    /// <summary>OpenAI's completion id, from Gemini's <c>responseId</c> when it sent one.</summary>
    public static string CompletionId(JsonNode? response) =>
        "chatcmpl-" + (Str(Member(response, "responseId")) ?? Guid.NewGuid().ToString("N"));
}
