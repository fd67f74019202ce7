using System.Text.Json;
using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.OpenAI;

/// <summary>
/// Estimates the prompt tokens of an OpenAI-format request with a real tokenizer, for when the
/// provider reports no usage. Follows OpenAI's published accounting for chat: each message costs
/// its text plus 3 tokens of framing, and every reply is primed with 3 more. A Responses API request's
/// <c>instructions</c> and <c>input</c> (a string or items) are counted as text.
/// </summary>
public static class OpenAIPromptEstimator
{
    private const int TokensPerMessage = 3;
    private const int ReplyPriming = 3;

    public static long Estimate(LlmRequest request, string model)
    {
        using var text = new PromptText(request.Body.Length);
        long framing = 0;
        long preTokenized = 0;
        var reader = new Utf8JsonReader(request.Body.Span);
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("messages"u8))
                {
                    reader.Read();
                    framing = CollectMessages(ref reader, text) + ReplyPriming;
                }
                else if (reader.ValueTextEquals("input"u8) || reader.ValueTextEquals("tools"u8)
                    || (request.Api == ApiKind.Responses && reader.ValueTextEquals("instructions"u8)))
                {
                    reader.Read();
                    // Responses input items name their role and type ("user", "input_text"); those are not prompt text.
                    preTokenized += CollectStrings(ref reader, text, skipNames: request.Api == ApiKind.Responses);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Parsed once already; an estimate from what was read is still better than none.
        }

        return framing + preTokenized + text.Count(model);
    }

    private static long CollectMessages(ref Utf8JsonReader reader, PromptText text)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return 0;
        }

        long messages = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            messages++;
            CollectStrings(ref reader, text, skipNames: true);
        }

        return messages * TokensPerMessage;
    }

    /// <summary>
    /// Appends every string value under the current token to <paramref name="text"/>; returns the
    /// count of integers in token arrays (embeddings accept pre-tokenized input).
    /// </summary>
    private static long CollectStrings(ref Utf8JsonReader reader, PromptText text, bool skipNames = false)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            text.AppendValue(ref reader);
            return 0;
        }

        if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
        {
            return 0;
        }

        long numbers = 0;
        var depth = reader.CurrentDepth;
        var skipValue = false;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    // Images travel as URLs or base64; their text is not what the model is billed for.
                    skipValue = reader.ValueTextEquals("image_url"u8) || reader.ValueTextEquals("url"u8)
                        || (skipNames && (reader.ValueTextEquals("role"u8) || reader.ValueTextEquals("type"u8)));
                    break;
                case JsonTokenType.String when !skipValue:
                    text.AppendValue(ref reader);
                    break;
                case JsonTokenType.Number when reader.CurrentDepth >= depth + 1:
                    numbers++;
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray when skipValue:
                    reader.Skip();
                    skipValue = false;
                    break;
                default:
                    skipValue = false;
                    break;
            }
        }

        return numbers;
    }
}
