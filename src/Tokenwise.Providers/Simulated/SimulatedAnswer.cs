using Tokenwise.Metering;

namespace Tokenwise.Providers.Simulated;

/// <summary>
/// A deterministic answer to a chat request, with the usage a real provider would report for it, and the web sources it
/// cites (as <c>url_citation</c> annotations over the whole text) when it searched.
/// </summary>
public sealed record SimulatedAnswer(
    string Id, long Created, string Model, IReadOnlyList<string> Pieces, TokenUsage Usage, string FinishReason, SimulatedToolCall? ToolCall = null)
{
    /// <summary>The source a simulated web search finds.</summary>
    public static readonly (string Url, string Title) SimulatedSource = ("https://example.com/tokenwise-simulated-search", "A simulated search result");

    public IReadOnlyList<(string Url, string Title)> Citations { get; init; } = [];

    /// <summary>How many choices the answer has (a chat request's <c>n</c>), each this same text; <see cref="Usage"/> counts them all.</summary>
    public int Choices { get; init; } = 1;

    public string Text => string.Concat(Pieces);
}
