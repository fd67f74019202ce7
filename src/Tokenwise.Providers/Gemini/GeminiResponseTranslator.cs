using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Tokenwise.Providers.Gemini.GeminiWire;

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
        var finish = candidate is null && response["promptFeedback"]?["blockReason"] is not null
            ? "content_filter"
            : FinishReason(Str(candidate?["finishReason"]), calls.Count > 0);

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            WriteHeader(w, CompletionId(response), "chat.completion", created, Str(response["modelVersion"]) ?? model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            if (text.Length > 0 || calls.Count == 0 && finish != "content_filter")
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
                for (var i = 0; i < calls.Count; i++)
                {
                    w.WriteStartObject();
                    w.WriteString("id", ToolCallId(calls[i], i));
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", Str(calls[i]["name"]) ?? "");
                    w.WriteString("arguments", Arguments(calls[i]));
                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteStartArray("annotations");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", finish);
            w.WriteEndObject();
            w.WriteEndArray();
            if (response["usageMetadata"] is JsonObject usage)
            {
                WriteUsage(w, Usage(usage));
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
