using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Providers.Translation;
using static Tokenwise.Providers.Gemini.GeminiWire;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Gemini;

/// <summary>Translates a whole Gemini <c>GenerateContentResponse</c> into an OpenAI <c>chat.completion</c>.</summary>
internal static class GeminiResponseTranslator
{
    /// <summary>
    /// Returns the OpenAI body, or null when <paramref name="gemini"/> is not a Gemini response.
    /// <paramref name="model"/> names the model when Gemini's <c>modelVersion</c> does not.
    /// </summary>
    public static byte[]? ToChatCompletion(ReadOnlySpan<byte> gemini, string model, long created)
    {
        JsonObject? response;
        try
        {
            response = JsonNode.Parse(gemini) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }

        if (response is null)
        {
            return null;
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

        var buffer = new ArrayBufferWriter<byte>(512);
        OpenAIAnswerWriter.WriteChatCompletion(buffer, CompletionId(response), created, Str(response["modelVersion"]) ?? model,
            text.Length > 0 || calls.Count == 0 && finish != "content_filter" ? text.ToString() : null,
            calls.Select((call, i) => new OpenAIToolCall(ToolCallId(call, i), Str(call["name"]) ?? "", Arguments(call))).ToList(),
            finish, response["usageMetadata"] is JsonObject usage ? Usage(usage) : null);
        return buffer.WrittenSpan.ToArray();
    }
}
