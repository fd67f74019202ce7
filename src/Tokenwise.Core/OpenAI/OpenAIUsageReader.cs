using System.Text.Json;
using Tokenwise.Metering;

namespace Tokenwise.OpenAI;

/// <summary>Reads the <c>usage</c> object of an OpenAI-format response or stream chunk.</summary>
public static class OpenAIUsageReader
{
    /// <summary>
    /// Finds the top-level <c>usage</c> object in <paramref name="json"/> and converts it. Returns
    /// false when there is none (or it is null), as in stream chunks before the last.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isUsage = reader.ValueTextEquals("usage"u8);
                reader.Read();
                if (isUsage && reader.TokenType == JsonTokenType.StartObject)
                {
                    usage = ReadUsageObject(ref reader);
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // A malformed upstream body carries no usable usage; the caller estimates instead.
        }

        return false;
    }

    /// <summary>Reads a usage object; the reader is on its StartObject and ends on its EndObject.</summary>
    public static TokenUsage ReadUsageObject(ref Utf8JsonReader reader)
    {
        long prompt = 0, completion = 0, cached = 0, reasoning = 0, total = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("total_tokens"u8))
            {
                total = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                cached = ReadDetail(ref reader, "cached_tokens"u8);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8))
            {
                reasoning = ReadDetail(ref reader, "reasoning_tokens"u8);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Embeddings report prompt_tokens and total_tokens only; some servers report only total_tokens.
        if (prompt == 0 && completion == 0 && total > 0)
        {
            prompt = total;
        }

        return new TokenUsage(prompt, cached, 0, completion, reasoning);
    }

    private static long ReadLong(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) ? n : 0;
    }

    private static long ReadDetail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return 0;
        }

        long value = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                value = ReadLong(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return value;
    }
}
