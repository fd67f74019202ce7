using System.Text.Json;
using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.Anthropic;

/// <summary>
/// Estimates the prompt tokens of an Anthropic Messages request with a tokenizer, for when the stream
/// ended before <c>message_start</c> reported them: the text of the system prompt, the messages and
/// the tool definitions, plus a few tokens of framing per message. Anthropic publishes no tokenizer
/// for its current models, so this is an approximation, flagged as estimated in the log.
/// </summary>
public static class AnthropicPromptEstimator
{
    private const int TokensPerMessage = 3;

    public static long Estimate(LlmRequest request, string model)
    {
        using var text = new PromptText(request.Body.Length);
        long messages = 0;
        var reader = new Utf8JsonReader(request.Body.Span);
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMessages = reader.ValueTextEquals("messages"u8);
                var isPrompt = isMessages || reader.ValueTextEquals("system"u8) || reader.ValueTextEquals("tools"u8);
                reader.Read();
                if (isMessages && reader.TokenType == JsonTokenType.StartArray)
                {
                    var depth = reader.CurrentDepth;
                    while (reader.Read() && reader.CurrentDepth > depth)
                    {
                        messages++;
                        CollectStrings(ref reader, text);
                    }
                }
                else if (isPrompt)
                {
                    CollectStrings(ref reader, text);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Parsed once already; an estimate from what was read is still better than none.
        }

        return messages * TokensPerMessage + text.Count(model);
    }

    /// <summary>Appends every string under the current token, except block types, roles, ids and media sources.</summary>
    private static void CollectStrings(ref Utf8JsonReader reader, PromptText text)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            text.AppendValue(ref reader);
            return;
        }

        if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
        {
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                // Images and documents travel as base64 or URLs; their text is not what the model is billed for.
                if (reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("role"u8) || reader.ValueTextEquals("id"u8)
                    || reader.ValueTextEquals("tool_use_id"u8) || reader.ValueTextEquals("source"u8) || reader.ValueTextEquals("cache_control"u8))
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            else if (reader.TokenType == JsonTokenType.String)
            {
                text.AppendValue(ref reader);
            }
        }
    }
}
