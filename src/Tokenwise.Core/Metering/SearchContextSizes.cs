using System.Text.Json;

namespace Tokenwise.Metering;

/// <summary>
/// How much web content a search reads (OpenAI's <c>search_context_size</c>), which prices the search: see
/// <see cref="TokenUsage.SearchContextSize"/>.
/// </summary>
public static class SearchContextSizes
{
    public const string Low = "low";
    public const string Medium = "medium";
    public const string High = "high";

    /// <summary>
    /// The <c>search_context_size</c> of a <c>web_search_options</c> object: one of the three sizes, else null (the default,
    /// medium; a provider refuses a size it does not know, so no search is billed at it). The reader is on the object's
    /// start and ends on its end; a value that is no object is skipped.
    /// </summary>
    public static string? ReadOptions(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? size = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isSize = reader.ValueTextEquals("search_context_size"u8);
            reader.Read();
            if (isSize)
            {
                size = Read(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return size;
    }

    /// <summary>A <c>search_context_size</c> value, the reader on it: one of the three sizes, else null.</summary>
    public static string? Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return null;
        }

        return reader.ValueTextEquals(Low) ? Low : reader.ValueTextEquals(High) ? High : reader.ValueTextEquals(Medium) ? Medium : null;
    }
}
