using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenwise.OpenAI;
using static Tokenwise.Providers.Translation.AnthropicToOpenAI.AnthropicFromOpenAI;
using static Tokenwise.Providers.Translation.TranslationJson;

namespace Tokenwise.Providers.Translation.AnthropicToOpenAI;

/// <summary>Translates a whole OpenAI <c>chat.completion</c> into an Anthropic message.</summary>
internal static class MessageFromChatCompletion
{
    /// <summary>
    /// Writes the Anthropic message; false when <paramref name="completion"/> is not a chat completion.
    /// <c>content</c> (or a <c>refusal</c>) becomes a text block, each tool call a <c>tool_use</c> block
    /// with the same id and its arguments parsed into <c>input</c>.
    /// </summary>
    public static bool Write(ReadOnlySpan<byte> completion, string model, IBufferWriter<byte> output)
    {
        JsonObject? openai;
        try
        {
            openai = JsonNode.Parse(completion) as JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }

        if (openai?["choices"] is not JsonArray choices)
        {
            return false;
        }

        var choice = choices.FirstOrDefault();
        var message = Member(choice, "message");
        var calls = (Member(message, "tool_calls") as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (calls.Any(call => Str(call["id"]) is null || Str(Member(call["function"], "name")) is null))
        {
            return false; // a tool call without its id or name cannot be a tool_use block the client can answer
        }

        using var w = new Utf8JsonWriter(output, WriterOptions);
        w.WriteStartObject();
        w.WriteString("id", Str(openai["id"]) ?? "");
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", Str(openai["model"]) ?? model);
        w.WriteStartArray("content");
        if ((Str(Member(message, "content")) ?? Str(Member(message, "refusal"))) is { Length: > 0 } text)
        {
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteString("text", text);
            w.WriteEndObject();
        }

        foreach (var call in calls)
        {
            w.WriteStartObject();
            w.WriteString("type", "tool_use");
            w.WriteString("id", Str(call["id"]));
            w.WriteString("name", Str(Member(call["function"], "name")));
            w.WritePropertyName("input");
            w.WriteRawValue(ToJson(Input(Str(Member(call["function"], "arguments")))));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("stop_reason", Str(Member(message, "refusal")) is { Length: > 0 } ? "refusal" : StopReason(Str(Member(choice, "finish_reason"))));
        w.WriteNull("stop_sequence");
        WriteUsage(w, OpenAIUsageReader.TryRead(completion, out var usage) ? usage : default);
        w.WriteEndObject();
        return true;
    }

    /// <summary>A call's JSON-string arguments as the object Anthropic clients expect; arguments that are not an object (a model's malformed JSON) are kept as a string under <c>arguments</c>.</summary>
    public static JsonObject Input(string? arguments)
    {
        try
        {
            return ParseArguments(arguments, "arguments");
        }
        catch (UnsupportedFeature)
        {
            return new JsonObject { ["arguments"] = arguments };
        }
    }
}
