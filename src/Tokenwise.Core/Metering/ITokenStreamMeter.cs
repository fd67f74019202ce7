namespace Tokenwise.Metering;

/// <summary>A stream meter that reads the token usage the provider reports, or keeps the text needed to estimate it.</summary>
public interface ITokenStreamMeter : IStreamMeter
{
    /// <summary>Whether the stream carried the provider's usage.</summary>
    bool HasUsage { get; }

    /// <summary>The reported usage, once <see cref="HasUsage"/>.</summary>
    TokenUsage Usage { get; }

    /// <summary>Whether the stream reached its proper end (OpenAI's <c>[DONE]</c>, the Responses API's <c>response.completed</c>): only then is it whole.</summary>
    bool Complete { get; }

    /// <summary>Everything generated so far, to estimate the output when no usage came.</summary>
    string GeneratedText { get; }

    /// <summary>The code of an error the upstream ended its stream with (an error event), for the record; null when none.</summary>
    string? ErrorCode { get; }
}
