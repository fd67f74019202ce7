using System.Text.Json.Nodes;
using Tokenwise.Metering;
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

    /// <summary>OpenAI's completion id, from Gemini's <c>responseId</c> when it sent one.</summary>
    public static string CompletionId(JsonNode? response) =>
        "chatcmpl-" + (Str(Member(response, "responseId")) ?? Guid.NewGuid().ToString("N"));
}
