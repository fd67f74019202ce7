using System.Globalization;

namespace Tokenwise.Admin;

/// <summary>Parses the short durations the CLI and admin API take: <c>90s</c>, <c>30m</c>, <c>24h</c>, <c>7d</c>.</summary>
public static class Durations
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length < 2)
        {
            return false;
        }

        if (!double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0)
        {
            return false;
        }

        duration = char.ToLowerInvariant(text[^1]) switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            'w' => TimeSpan.FromDays(amount * 7),
            _ => TimeSpan.MinValue,
        };
        return duration != TimeSpan.MinValue;
    }
}
