using System.Globalization;

namespace Tokenwise.Caching;

/// <summary>
/// A request's cache controls, from <c>x-tokenwise-cache: off|exact|semantic</c>,
/// <c>x-tokenwise-cache-ttl: SECONDS</c> and <c>Cache-Control: no-cache</c> (do not answer from the
/// cache, but store the fresh answer) / <c>no-store</c> (neither read nor write).
/// </summary>
public sealed record CacheDirectives(CacheMode Mode, TimeSpan Ttl, bool NoCache, bool NoStore)
{
    public const string ModeHeader = "x-tokenwise-cache";
    public const string TtlHeader = "x-tokenwise-cache-ttl";

    /// <summary><c>off</c>, <c>exact</c> or <c>semantic</c>, in any case; not a number, which <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/> would accept.</summary>
    public static bool TryParseMode(string text, out CacheMode mode) =>
        Enum.TryParse(text.Trim(), ignoreCase: true, out mode) && Enum.IsDefined(mode) && !int.TryParse(text, out _);

    /// <summary>Applies the request's headers to the configured defaults; an error message for a malformed header.</summary>
    public static CacheDirectives Parse(CacheMode defaultMode, TimeSpan defaultTtl, TimeSpan maxTtl, string? cacheControl, string? mode, string? ttl, out string? error)
    {
        error = null;
        var result = new CacheDirectives(defaultMode, defaultTtl, false, false);
        if (!string.IsNullOrWhiteSpace(mode))
        {
            if (!TryParseMode(mode, out var parsed))
            {
                error = $"{ModeHeader} must be off, exact or semantic, not '{mode}'.";
                return result;
            }

            // A request may narrow the configured cache, never widen it: semantic stays opt-in per route.
            result = result with { Mode = (CacheMode)Math.Min((int)parsed, (int)defaultMode) };
        }

        if (!string.IsNullOrWhiteSpace(ttl))
        {
            var digits = ttl.Trim();
            if (digits.AsSpan().ContainsAnyExceptInRange('0', '9') || digits.TrimStart('0').Length == 0)
            {
                error = $"{TtlHeader} must be a positive number of seconds, not '{ttl}'.";
                return result;
            }

            // Any longer lifetime is capped, however many digits it has.
            var seconds = long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
            result = result with { Ttl = TimeSpan.FromSeconds(Math.Min(seconds, maxTtl.TotalSeconds)) };
        }

        if (cacheControl is not null)
        {
            foreach (var part in cacheControl.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part.Equals("no-store", StringComparison.OrdinalIgnoreCase))
                {
                    result = result with { NoStore = true, NoCache = true };
                }
                else if (part.Equals("no-cache", StringComparison.OrdinalIgnoreCase))
                {
                    result = result with { NoCache = true };
                }
            }
        }

        return result;
    }
}
