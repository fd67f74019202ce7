using System.Text;
using System.Text.Json;

namespace Tokenwise.OpenAI;

/// <summary>
/// The generated text of a non-streamed response (a chat completion, or a Responses API response whose
/// output items carry <c>text</c> and <c>arguments</c>), for estimating tokens when usage is missing.
/// </summary>
public static class OpenAIResponseText
{
    public static string Collect(ReadOnlySpan<byte> body)
    {
        var text = new StringBuilder();
        var reader = new Utf8JsonReader(body);
        var collect = false;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    collect = reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("arguments"u8)
                        || reader.ValueTextEquals("refusal"u8) || reader.ValueTextEquals("reasoning_content"u8)
                        || reader.ValueTextEquals("text"u8);
                }
                else if (reader.TokenType == JsonTokenType.String && collect)
                {
                    text.Append(reader.GetString());
                    collect = false;
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
