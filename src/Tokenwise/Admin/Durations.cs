using System.Globalization;

namespace Tokenwise.Admin;

/// <summary>
/// Parses the short durations the CLI and admin API take: <c>90s</c>, <c>30m</c>, <c>24h</c>, <c>7d</c>, up to
/// <see cref="MaxDays"/>.
/// </summary>
public static class Durations
{
    /// <summary>About a century: longer spans are not meant, and a window that long taken from now would fall before year 1.</summary>
    public const int MaxDays = 36_525;

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length < 2)
        {
            return false;
        }

        if (!double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || !(amount >= 0))
        {
            return false;
        }

        double? unitSeconds = char.ToLowerInvariant(text[^1]) switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => null,
        };
        // Checked in seconds first: TimeSpan itself throws on a span it cannot hold ("99999999d") and on NaN.
        if (unitSeconds is not { } unit || amount * unit > MaxDays * 86_400.0)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(amount * unit);
        return true;
    }
}
