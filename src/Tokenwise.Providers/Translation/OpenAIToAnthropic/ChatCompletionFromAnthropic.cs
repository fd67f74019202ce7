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
    /// a JSON string); thinking is reasoning, not content, and is left out.
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
        foreach (var block in (anthropic["content"] as JsonArray ?? []).OfType<JsonObject>())
        {
            switch (Str(block["type"]))
            {
                case "text":
                    text.Append(Str(block["text"]));
                    break;
                case "tool_use":
                    calls.Add(block);
                    break;
            }
        }

        var stopReason = Str(anthropic["stop_reason"]);
        using var w = new Utf8JsonWriter(output, WriterOptions);
        w.WriteStartObject();
        WriteHeader(w, Str(anthropic["id"]) ?? "", "chat.completion", created, Str(anthropic["model"]) ?? model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        if (text.Length > 0 || calls.Count == 0)
        {
            w.WriteString("content", text.ToString());
        }
        else
        {
            w.WriteNull("content");
        }

        w.WriteNull("refusal");
        if (calls.Count > 0)
        {
            w.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                w.WriteStartObject();
                w.WriteString("id", Str(call["id"]));
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", Str(call["name"]));
                w.WriteString("arguments", ToJson(call["input"] ?? new JsonObject()));
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteStartArray("annotations");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", FinishReason(stopReason));
        w.WriteEndObject();
        w.WriteEndArray();
        if (AnthropicUsage.TryReadMessage(message, out var usage))
        {
            WriteUsage(w, usage);
        }

        w.WriteEndObject();
        return true;
    }
}
