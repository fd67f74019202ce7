using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.Anthropic;
using static Tokenwise.Providers.Translation.OpenAIToAnthropic.OpenAIFromAnthropic;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Translation.OpenAIToAnthropic;

/// <summary>Translates a whole Anthropic message into an OpenAI <c>chat.completion</c>.</summary>
internal static class ChatCompletionFromAnthropic
{
    /// <summary>
    /// Writes the OpenAI body; false when <paramref name="message"/> is not an Anthropic message. Text
    /// blocks join into <c>content</c>, <c>tool_use</c> blocks become <c>tool_calls</c> (same ids, input as
    /// a JSON string); thinking is reasoning, not content, and is left out, as are the web search tool's own blocks
    /// (<c>server_tool_use</c>, <c>web_search_tool_result</c>): the searches are metered, and a text block's web citations
    /// become <c>url_citation</c> annotations over that block's text.
    /// </summary>
    public static bool Write(ReadOnlySpan<byte> message, string model, long created, IBufferWriter<byte> output)
    {
        JsonObject? anthropic;
        try
        {
            anthropic = JsonNode.Parse(message) as JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }

        if (anthropic is null || Str(anthropic["type"]) != "message")
        {
            return false;
        }

        var text = new StringBuilder();
        var calls = new List<JsonObject>();
        var citations = new List<UrlCitation>();
        foreach (var block in (anthropic["content"] as JsonArray ?? []).OfType<JsonObject>())
        {
            switch (Str(block["type"]))
            {
                case "text":
                    var start = text.Length;
                    text.Append(Str(block["text"]));
                    citations.AddRange(WebCitations(block["citations"] as JsonArray ?? [], start, text.Length));
                    break;
                case "tool_use":
                    calls.Add(block);
                    break;
            }
        }

        OpenAIAnswerWriter.WriteChatCompletion(output, Str(anthropic["id"]) ?? "", created, Str(anthropic["model"]) ?? model,
            text.Length > 0 || calls.Count == 0 ? text.ToString() : null,
            calls.ConvertAll(call => new OpenAIToolCall(Str(call["id"]), Str(call["name"]), ToJson(call["input"] ?? new JsonObject()))),
            FinishReason(Str(anthropic["stop_reason"])),
            AnthropicUsage.TryReadMessage(message, out var usage) ? usage.ToTokenUsage() : null, citations);
        return true;
    }
}
