using System.Text.RegularExpressions;

namespace Tokenwise.Configuration;

/// <summary>
/// The regular expressions routes match prompts and answers with (a rule's <c>regex</c>, a cascade's
/// <c>escalate_pattern</c>): built one way, with a time limit so that a pattern that backtracks badly
/// cannot hold a request, and checked at start-up the same way.
/// </summary>
internal static class RoutePatterns
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(50);

    public static Regex Create(string pattern) => new(pattern, RegexOptions.CultureInvariant, MatchTimeout);

    /// <summary>Whether <paramref name="pattern"/> is a .NET regular expression; <paramref name="why"/> says why not.</summary>
    public static bool IsValid(string pattern, out string why)
    {
        try
        {
            _ = Create(pattern);
            why = "";
            return true;
        }
        catch (ArgumentException e)
        {
            why = e.Message;
            return false;
        }
    }
}
