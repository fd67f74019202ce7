using System.Text.Json;

namespace Tokenwise.Metering;

/// <summary>
/// The processing-tier names requests and answers carry (OpenAI's <c>service_tier</c>, Anthropic's
/// <c>usage.service_tier</c>), read the one way every reader needs: see <see cref="TokenUsage.ServiceTier"/>.
/// </summary>
public static class ServiceTiers
{
    private static readonly string[] s_known = ["default", "flex", "priority", "auto", "scale", "standard", "batch"];

    /// <summary>
    /// A <c>service_tier</c> member's value, null when it is no string; the reader is on its name and ends on its value.
    /// The tiers providers name come back as shared strings: every chunk of a stream carries one, and none should cost
    /// an allocation.
    /// </summary>
    public static string? Read(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return null;
        }

        foreach (var known in s_known)
        {
            if (reader.ValueTextEquals(known))
            {
                return known;
            }
        }

        return reader.GetString();
    }
}
