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
    /// <summary>
    /// The longest session or outcome id a request may carry; the admin API holds the names it stores (key names, teams,
    /// budget and limit targets, outcome ids) to it too, since they are matched against what requests carry.
    /// </summary>
    public const int MaxIdLength = 200;

    /// <summary>
    /// The most tags a request may carry, header and metadata together: each is stored with its usage record and
    /// checked against every tag budget, so a header of thousands (32 KB allows them) must not pass. OpenAI allows 16
    /// metadata pairs; the header may add as many again.
    /// </summary>
    public const int MaxTags = 32;

    /// <summary>The longest tag name and value: OpenAI's limits on a metadata pair.</summary>
    public const int MaxTagNameLength = 64, MaxTagValueLength = 512;

    /// <returns>An error naming the header when one is malformed, or the tags when they are too many or too long.</returns>
    public static GatewayError? Read(HttpRequest http, LlmRequest request, UsageRecord record)
    {
        Dictionary<string, string>? tags = request.Metadata is { } metadata ? new(metadata, StringComparer.Ordinal) : null;
        var header = http.Headers[TagsHeader].ToString();
        if (header.Length > 0 && !TryReadPairs(header, tags ??= new(StringComparer.Ordinal), out var invalid))
        {
            return GatewayError.InvalidRequest(
                $"The {TagsHeader} header must be name=value pairs separated by commas, e.g. 'feature=triage,env=prod', "
                + $"with names of at most {MaxTagNameLength} characters and values of at most {MaxTagValueLength}; '{invalid}' is not.", "invalid_tags");
        }

        if (tags?.Count > MaxTags)
        {
            return GatewayError.InvalidRequest(
                $"A request may carry at most {MaxTags} tags ({TagsHeader} and metadata together); this one carries {tags.Count}.", "invalid_tags");
        }

        // The header's pairs were held to the limits as they were read: a tag too long here came from the metadata.
        if (request.Metadata is not null && LongTag(tags!) is { } tooLong)
        {
            return GatewayError.InvalidRequest(
                $"The request's metadata are read as tags, whose names may have at most {MaxTagNameLength} characters and values at most {MaxTagValueLength}; "
                + $"'{GatewayError.Excerpt(tooLong)}' is longer.", "invalid_tags", "metadata");
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
            var (name, value) = equals < 0 ? ("", "") : (pair[..equals].Trim(), pair[(equals + 1)..].Trim());
            if (name.Length == 0 || value.Length == 0 || !IsTag(name, value))
            {
                invalid = GatewayError.Excerpt(pair);
                return false;
            }

            into[name] = value;
        }

        invalid = null;
        return true;
    }

    /// <summary>The name of a tag outside the limits, or null; over the dictionary itself, so the enumerator is not boxed.</summary>
    private static string? LongTag(Dictionary<string, string> tags)
    {
        foreach (var (name, value) in tags)
        {
            if (!IsTag(name, value))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>Whether a name and value are within the tags' limits (key metadata and tag budgets are held to them too).</summary>
    public static bool IsTag(string name, string value) => name.Length <= MaxTagNameLength && value.Length <= MaxTagValueLength;

    private static string? Single(HttpRequest http, string name, out GatewayError? error)
    {
        error = null;
        var value = http.Headers[name].ToString().Trim();
        if (value.Length > MaxIdLength)
        {
            error = GatewayError.InvalidRequest($"The {name} header is longer than {MaxIdLength} characters.", "invalid_header");
        }

        return value.Length == 0 ? null : value;
    }
}
