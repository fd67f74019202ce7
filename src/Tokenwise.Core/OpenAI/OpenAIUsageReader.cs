using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Metering;

namespace Tokenwise.OpenAI;

/// <summary>
/// Reads the <c>usage</c> object of an OpenAI-format response or stream chunk: Chat Completions and
/// Embeddings name the fields <c>prompt_tokens</c>/<c>completion_tokens</c>, the Responses API
/// <c>input_tokens</c>/<c>output_tokens</c> (with <c>input_tokens_details</c> and
/// <c>output_tokens_details</c>); both count cached tokens inside the input and reasoning inside the output.
/// </summary>
public static class OpenAIUsageReader
{
    /// <summary>
    /// Finds the top-level <c>usage</c> object in <paramref name="json"/> and converts it, with the top-level
    /// <c>service_tier</c> the answer was served at. Returns false when there is none (or it is null), as in stream
    /// chunks before the last.
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

            var found = false;
            string? serviceTier = null;
            long searches = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("service_tier"u8))
                {
                    serviceTier = ServiceTiers.Read(ref reader);
                    continue;
                }

                var isUsage = reader.ValueTextEquals("usage"u8);
                var isOutput = reader.ValueTextEquals("output"u8);
                reader.Read();
                if (isUsage && reader.TokenType == JsonTokenType.StartObject)
                {
                    usage = ReadUsageObject(ref reader);
                    found = true;
                }
                else if (isOutput)
                {
                    searches = CountWebSearchCalls(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }

            usage = usage with { ServiceTier = serviceTier, WebSearchRequests = searches };
            return found;
        }
        catch (JsonException)
        {
            // A malformed upstream body carries no usable usage; the caller estimates instead.
            return false;
        }
    }

    /// <summary>
    /// The web searches a Responses API <c>output</c> array lists: its <c>web_search_call</c> items, each billed as one search
    /// (its usage object does not count them). The reader is on the array and ends on its end; a value that is no array counts none.
    /// </summary>
    public static long CountWebSearchCalls(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return 0;
        }

        long searches = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            searches += IsWebSearchCall(ref reader) ? 1 : 0;
        }

        return searches;
    }

    /// <summary>Whether the output item the reader is on is a <c>web_search_call</c>; the reader ends on the item's end.</summary>
    public static bool IsWebSearchCall(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        var webSearch = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                webSearch = reader.ValueTextEquals("web_search_call"u8);
            }
            else
            {
                reader.Skip();
            }
        }

        return webSearch;
    }

    /// <summary>Reads a usage object; the reader is on its StartObject and ends on its EndObject.</summary>
    public static TokenUsage ReadUsageObject(ref Utf8JsonReader reader)
    {
        long prompt = 0, completion = 0, cached = 0, cacheWrite = 0, reasoning = 0, total = 0, audioIn = 0, audioOut = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
            {
                prompt = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
            {
                completion = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("total_tokens"u8))
            {
                total = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("input_tokens_details"u8))
            {
                (cached, cacheWrite, audioIn) = ReadDetails(ref reader, "cached_tokens"u8, "cache_write_tokens"u8, "audio_tokens"u8);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8) || reader.ValueTextEquals("output_tokens_details"u8))
            {
                (reasoning, audioOut, _) = ReadDetails(ref reader, "reasoning_tokens"u8, "audio_tokens"u8, default);
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

        return new TokenUsage(prompt, cached, cacheWrite, completion, reasoning) { AudioInputTokens = audioIn, AudioOutputTokens = audioOut };
    }

    /// <summary>
    /// A count: a whole number from zero to <see cref="TokenUsage.MaxCount"/>, or null (not reported). Anything else — negative,
    /// fractional, quoted, beyond any model's size — makes the whole usage unreadable (a <see cref="JsonException"/>, which the callers take as
    /// no usage), so the tokens are estimated and flagged rather than billed at a number no provider means.
    /// </summary>
    private static long ReadLong(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => 0,
            JsonTokenType.Number when reader.TryGetInt64(out var n) && TokenUsage.IsCount(n) => n,
            _ => throw new JsonException("A usage count is not a whole number from zero to TokenUsage.MaxCount."),
        };
    }

    /// <summary>Up to three counts of a details object (a name left empty is not read).</summary>
    private static (long First, long Second, long Third) ReadDetails(ref Utf8JsonReader reader, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second,
        ReadOnlySpan<byte> third)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (0, 0, 0);
        }

        long one = 0, two = 0, three = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(first))
            {
                one = ReadLong(ref reader);
            }
            else if (!second.IsEmpty && reader.ValueTextEquals(second))
            {
                two = ReadLong(ref reader);
            }
            else if (!third.IsEmpty && reader.ValueTextEquals(third))
            {
                three = ReadLong(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return (one, two, three);
    }
}
