using Tokenwise.Metering;
using Tokenwise.Pipeline;

namespace Tokenwise.Hosting;

/// <summary>
/// Reads who and what a request is for from its headers: tags (<c>x-tokenwise-tags: feature=triage,env=prod</c>,
/// on top of the body's <c>metadata</c>), the session (one agent run) and the business outcome it works towards.
/// </summary>
public static class Attribution
{
    public const string TagsHeader = "x-tokenwise-tags";
    public const string SessionHeader = "x-tokenwise-session";
    public const string OutcomeHeader = "x-tokenwise-outcome";
    private const int MaxValueLength = 200;

    /// <returns>An error naming the header when one is malformed.</returns>
    public static GatewayError? Read(HttpRequest http, LlmRequest request, UsageRecord record)
    {
        Dictionary<string, string>? tags = request.Metadata is { } metadata ? new(metadata, StringComparer.Ordinal) : null;
        var header = http.Headers[TagsHeader].ToString();
        if (header.Length > 0 && !TryReadPairs(header, tags ??= new(StringComparer.Ordinal), out var invalid))
        {
            return GatewayError.InvalidRequest(
                $"The {TagsHeader} header must be name=value pairs separated by commas, e.g. 'feature=triage,env=prod'; '{invalid}' is not.", "invalid_tags");
        }

        record.Tags = tags?.Count > 0 ? tags : null;
        record.SessionId = Single(http, SessionHeader, out var sessionError);
        record.OutcomeId = Single(http, OutcomeHeader, out var outcomeError);
        return sessionError ?? outcomeError;
    }

    /// <summary>
    /// Reads <c>name=value</c> pairs separated by commas (tags, and the CLI's key metadata) into <paramref name="into"/>;
    /// a later pair wins over an earlier one with its name.
    /// </summary>
    /// <param name="invalid">The first pair that is not name=value (or is too long), when false.</param>
    public static bool TryReadPairs(string text, Dictionary<string, string> into, out string? invalid)
    {
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1 || pair.Length > MaxValueLength)
            {
                invalid = pair;
                return false;
            }

            into[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
        }

        invalid = null;
        return true;
    }

    private static string? Single(HttpRequest http, string name, out GatewayError? error)
    {
        error = null;
        var value = http.Headers[name].ToString().Trim();
        if (value.Length > MaxValueLength)
        {
            error = GatewayError.InvalidRequest($"The {name} header is longer than {MaxValueLength} characters.", "invalid_header");
        }

        return value.Length == 0 ? null : value;
    }
}
