using Tokenwise.Json;

namespace Tokenwise.Pipeline;

/// <summary>
/// A parsed client request: the few fields the gateway acts on, plus the raw JSON body so that every
/// other field reaches the provider untouched and in order.
/// </summary>
public sealed class LlmRequest
{
    public required ApiKind Api { get; init; }
    public required string Dialect { get; init; }
    public required ReadOnlyMemory<byte> Body { get; init; }
    public required string Model { get; init; }
    public bool Stream { get; init; }
    /// <summary>True when the client itself asked for a usage chunk (<c>stream_options.include_usage</c>).</summary>
    public bool ClientRequestedUsage { get; init; }
    /// <summary><c>max_completion_tokens</c> or <c>max_tokens</c>, when given.</summary>
    public long? MaxOutputTokens { get; init; }
    /// <summary>How many answers the request asks for (OpenAI's <c>n</c>): each may use the whole output bound.</summary>
    public int Choices { get; init; } = 1;
    /// <summary>
    /// The most web searches the request lets the provider run: the sum of the <c>max_uses</c> of its Anthropic web
    /// search tools, or a Responses API request's <c>max_tool_calls</c> when it has a web search tool (0 without one), or
    /// null when a web search tool has no such bound. Budgets reserve them.
    /// </summary>
    public long? MaxWebSearches { get; init; } = 0;
    /// <summary>
    /// Whether a Chat Completions request asks the model to search the web (<c>web_search_options</c>): OpenAI's search
    /// models search on every call anyway, Claude gets its web search tool, and a Gemini model grounds its answer with Google Search.
    /// </summary>
    public bool WebSearchOptions { get; init; }
    /// <summary>The processing tier the request asks for (OpenAI's <c>service_tier</c>: <c>auto</c>, <c>default</c>, <c>flex</c>, <c>priority</c>).</summary>
    public string? ServiceTier { get; init; }
    /// <summary>
    /// The search context size the request asks for (Chat Completions' <c>web_search_options.search_context_size</c>, the
    /// <c>search_context_size</c> of a Responses API web search tool); null: medium.
    /// </summary>
    public string? SearchContextSize { get; init; }
    /// <summary>The string entries of the request's <c>metadata</c>, when it has any: they become tags.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    /// <summary>
    /// Client headers that belong to the dialect and travel on to a provider that speaks it (Anthropic's
    /// <c>anthropic-version</c> and <c>anthropic-beta</c>); never credentials.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> DialectHeaders { get; init; } = [];

    /// <summary>Where the <c>model</c> value sits in <see cref="Body"/>, so it can be replaced in place.</summary>
    internal JsonSpan ModelValue { get; init; }
    /// <summary>Where the <c>stream_options</c> value sits, when present.</summary>
    internal JsonSpan? StreamOptionsValue { get; init; }
    /// <summary>Offset of the body's closing brace, where new top-level fields are inserted.</summary>
    internal int ClosingBrace { get; init; }
}
