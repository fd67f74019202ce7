using System.Text.Json;
using Tokenwise.Json;
using Tokenwise.Metering;

namespace Tokenwise.Anthropic;

/// <summary>
/// Anthropic's <c>usage</c> object as reported: <c>input_tokens</c> counts only the prompt tokens
/// that were neither read from nor written to the cache; cache reads and writes are reported apart.
/// </summary>
public readonly record struct AnthropicUsage(long InputTokens, long CacheReadInputTokens, long CacheCreationInputTokens, long OutputTokens)
{
    /// <summary>
    /// <c>cache_creation.ephemeral_1h_input_tokens</c>: of <see cref="CacheCreationInputTokens"/>, those written to
    /// the one-hour cache; the rest went to the five-minute cache. 0 when the nested object is absent (older API
    /// versions and some clouds send only the total), so those writes are all billed as five-minute writes.
    /// </summary>
    public long CacheCreation1hInputTokens { get; init; }

    /// <summary><c>server_tool_use.web_search_requests</c>: searches Anthropic ran for the web search tool, billed per search.</summary>
    public long WebSearchRequests { get; init; }

    /// <summary><c>service_tier</c>: <c>standard</c>, <c>priority</c> or <c>batch</c>, as Anthropic served the call.</summary>
    public string? ServiceTier { get; init; }

    /// <summary>
    /// The canonical usage, whose input includes cached and cache-write tokens (see <see cref="TokenUsage"/>).
    /// Thinking tokens are billed as output and not reported apart, so there are no reasoning tokens.
    /// </summary>
    public TokenUsage ToTokenUsage() =>
        new(InputTokens + CacheReadInputTokens + CacheCreationInputTokens, CacheReadInputTokens, CacheCreationInputTokens, OutputTokens, 0)
        {
            // The split is part of the total; should a body say otherwise, the total bounds what is billed.
            CacheWrite1hTokens = Math.Min(CacheCreation1hInputTokens, CacheCreationInputTokens),
            WebSearchRequests = WebSearchRequests,
            ServiceTier = ServiceTier,
        };

    /// <summary>
    /// Reads a usage object over <paramref name="previous"/>: fields it carries replace the previous
    /// values, fields it lacks keep them (a stream's <c>message_delta</c> may carry only <c>output_tokens</c>,
    /// cumulative). The reader is on the object's StartObject and ends on its EndObject.
    /// </summary>
    public static AnthropicUsage Read(ref Utf8JsonReader reader, AnthropicUsage previous)
    {
        var usage = previous;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                usage = usage with { InputTokens = ReadCount(ref reader, usage.InputTokens) };
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                usage = usage with { CacheReadInputTokens = ReadCount(ref reader, usage.CacheReadInputTokens) };
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                usage = usage with { CacheCreationInputTokens = ReadCount(ref reader, usage.CacheCreationInputTokens) };
            }
            else if (reader.ValueTextEquals("cache_creation"u8))
            {
                usage = usage with { CacheCreation1hInputTokens = ReadNestedCount(ref reader, "ephemeral_1h_input_tokens"u8, usage.CacheCreation1hInputTokens) };
            }
            else if (reader.ValueTextEquals("service_tier"u8))
            {
                usage = usage with { ServiceTier = ServiceTiers.Read(ref reader) ?? usage.ServiceTier };
            }
            else if (reader.ValueTextEquals("server_tool_use"u8))
            {
                usage = usage with { WebSearchRequests = ReadNestedCount(ref reader, "web_search_requests"u8, usage.WebSearchRequests) };
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                usage = usage with { OutputTokens = ReadCount(ref reader, usage.OutputTokens) };
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return usage;
    }

    /// <summary>Finds the top-level <c>usage</c> of a non-streamed message; false when there is none.</summary>
    public static bool TryReadMessage(ReadOnlySpan<byte> message, out AnthropicUsage usage)
    {
        usage = default;
        var reader = new Utf8JsonReader(message);
        try
        {
            if (JsonMember.TryFindTopLevelObject(ref reader, "usage"u8))
            {
                usage = Read(ref reader, default);
                return true;
            }
        }
        catch (JsonException)
        {
            // A malformed upstream body carries no usable usage; the caller estimates instead.
        }

        return false;
    }

    // null (e.g. "cache_creation_input_tokens": null) means none were reported: keep what was known. A count that is
    // not a whole number from zero to TokenUsage.MaxCount makes the usage unreadable (as OpenAIUsageReader does): estimated, not billed.
    private static long ReadCount(ref Utf8JsonReader reader, long previous)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => previous,
            JsonTokenType.Number when reader.TryGetInt64(out var n) && TokenUsage.IsCount(n) => n,
            _ => throw new JsonException("A usage count is not a whole number from zero to TokenUsage.MaxCount."),
        };
    }

    // "cache_creation": {"ephemeral_5m_input_tokens": ..., "ephemeral_1h_input_tokens": ...} splits the writes by
    // lifetime; only the one-hour part is kept, the five-minute part being the rest of the total. "server_tool_use":
    // {"web_search_requests": ...} counts the searches. A null object or member keeps what was known, as for the counts.
    private static long ReadNestedCount(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, long previous)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return previous;
        }

        var count = previous;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                count = ReadCount(ref reader, count);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return count;
    }
}
