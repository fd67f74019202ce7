using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Metering;
using Tokenwise.Providers.Translation;
using static Tokenwise.Providers.Gemini.GeminiWire;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Gemini;

/// <summary>Translates a whole Gemini <c>GenerateContentResponse</c> into an OpenAI <c>chat.completion</c>.</summary>
internal static class GeminiResponseTranslator
{
    /// <summary>
    /// Returns the OpenAI body and Gemini's usage (null when it reported none), or a null body when <paramref name="gemini"/>
    /// is not a Gemini response. <paramref name="model"/> names the model when Gemini's <c>modelVersion</c> does not;
    /// <paramref name="searchesPerQuery"/> says how Google bills its web searches (<see cref="Searches"/>).
    /// </summary>
    public static (byte[]? Body, TokenUsage? Usage) ToChatCompletion(ReadOnlySpan<byte> gemini, string model, long created, bool searchesPerQuery)
    {
        JsonObject? response;
        try
        {
            response = JsonNode.Parse(gemini) as JsonObject;
        }
        catch (JsonException)
        {
            return default;
        }

        if (response is null)
        {
            return default;
        }

        var candidate = (response["candidates"] as JsonArray)?.FirstOrDefault();
        var text = new StringBuilder();
        var calls = new List<JsonObject>();
        foreach (var part in AnswerParts(candidate))
        {
            if (Str(part["text"]) is { } piece)
            {
                text.Append(piece);
            }
            else if (part["functionCall"] is JsonObject call)
            {
                calls.Add(call);
            }
        }

        // A prompt Gemini blocked has no candidate, only promptFeedback.blockReason.
        var finish = candidate is null && Member(response["promptFeedback"], "blockReason") is not null
            ? "content_filter"
            : FinishReason(Str(Member(candidate, "finishReason")), calls.Count > 0);

        var grounding = Member(candidate, "groundingMetadata");
        var usage = response["usageMetadata"] is JsonObject metadata
            ? Usage(metadata) with { WebSearchRequests = Searches(grounding, searchesPerQuery) }
            : (TokenUsage?)null;
        var buffer = new ArrayBufferWriter<byte>(512);
        var content = text.ToString();
        OpenAIAnswerWriter.WriteChatCompletion(buffer, CompletionId(response), created, Str(response["modelVersion"]) ?? model,
            text.Length > 0 || calls.Count == 0 && finish != "content_filter" ? content : null,
            calls.Select((call, i) => new OpenAIToolCall(ToolCallId(call, i), Str(call["name"]) ?? "", Arguments(call))).ToList(),
            finish, usage, Citations(grounding, content));
        return (buffer.WrittenSpan.ToArray(), usage);
    }
}
