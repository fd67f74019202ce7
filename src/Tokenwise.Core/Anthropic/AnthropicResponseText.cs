using System.Text;
using System.Text.Json;

namespace Tokenwise.Anthropic;

/// <summary>The generated content of a non-streamed message, for estimating tokens when usage is missing.</summary>
public static class AnthropicResponseText
{
    public static string Collect(ReadOnlySpan<byte> message)
    {
        var text = new StringBuilder();
        var reader = new Utf8JsonReader(message);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth < 3)
                {
                    continue; // generated content sits inside content[i]; the message's own fields are not
                }

                if (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        text.Append(reader.GetString());
                    }
                }
                else if (reader.ValueTextEquals("input"u8))
                {
                    // A tool call's arguments are generated as JSON text, so they are counted as such.
                    reader.Read();
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    text.Append(Encoding.UTF8.GetString(message[start..(int)reader.BytesConsumed]));
                }
            }
        }
        catch (JsonException)
        {
            // Estimate from what could be read.
        }

        return text.ToString();
    }
}
