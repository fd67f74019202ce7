namespace Tokenwise.Metering;

/// <summary>
/// Token counts of one call in one canonical convention, whatever the provider reported.
/// </summary>
/// <remarks>
/// <see cref="InputTokens"/> counts every prompt token the model read, cached or not (OpenAI's
/// <c>prompt_tokens</c> convention). <see cref="CachedInputTokens"/> and <see cref="CacheWriteTokens"/>
/// are subsets of it. Anthropic reports <c>input_tokens</c> without cache reads and writes, so its
/// adapter adds them in; mixing the two conventions is the classic cost bug this type exists to stop.
/// Likewise <see cref="ReasoningTokens"/> is a subset of <see cref="OutputTokens"/>, and
/// <see cref="CacheWrite1hTokens"/> of <see cref="CacheWriteTokens"/>.
/// </remarks>
public readonly record struct TokenUsage(
    long InputTokens,
    long CachedInputTokens,
    long CacheWriteTokens,
    long OutputTokens,
    long ReasoningTokens)
{
    /// <summary>
    /// The largest count of one kind a provider can mean for one call: ten times the largest context window offered
    /// (10 million tokens). A larger one is a broken server's, and billed it would price one call at millions of dollars,
    /// past what the usage log stores; the readers take it as no usage, so the call is estimated and flagged instead.
    /// </summary>
    public const long MaxCount = 100_000_000;

    /// <summary>
    /// Whether <paramref name="n"/> can be a count of tokens (or searches) of one call: zero to <see cref="MaxCount"/>. Read from a
    /// provider's usage or a client's bound, anything else would make sums and reservations overflow or go negative.
    /// </summary>
    public static bool IsCount(long n) => n is >= 0 and <= MaxCount;

    /// <summary>
    /// Of <see cref="CacheWriteTokens"/>, those written to a one-hour cache (Anthropic's <c>"ttl": "1h"</c>), which
    /// are billed dearer than the five-minute writes that make up the rest. An init property rather than a
    /// parameter, as only Anthropic reports it.
    /// </summary>
    public long CacheWrite1hTokens { get; init; }

    /// <summary>
    /// The processing tier that served the call, as the provider named it (OpenAI's <c>service_tier</c>: <c>default</c>,
    /// <c>flex</c>, <c>priority</c>, ...), or the one the request asked for when the answer named none; null when neither
    /// did. <see cref="Pricing.ModelPrice.Cost"/> prices <c>flex</c> and <c>priority</c> at their own rates.
    /// </summary>
    public string? ServiceTier { get; init; }

    /// <summary>
    /// Of <see cref="InputTokens"/>, audio (OpenAI's <c>prompt_tokens_details.audio_tokens</c>, Gemini's <c>AUDIO</c>
    /// modality), billed at the audio input rate, several times the text rate; init-only as few calls have any.
    /// </summary>
    public long AudioInputTokens { get; init; }

    /// <summary>Of <see cref="OutputTokens"/>, generated audio (<c>completion_tokens_details.audio_tokens</c>), billed at the audio output rate.</summary>
    public long AudioOutputTokens { get; init; }

    /// <summary>
    /// Web searches the provider ran for the call, each billed at the search price: Anthropic's <c>server_tool_use.web_search_requests</c>,
    /// a Responses API answer's <c>web_search_call</c> items, the one search an OpenAI search model runs before every answer
    /// (<see cref="Pipeline.ModelDeployment.SearchesEveryCall(Pipeline.ApiKind)"/>), or a Gemini answer's grounding: each search
    /// query on Gemini 3, the grounded answer once on Gemini 2.x (<see cref="Pricing.ModelPrice.WebSearchPerQuery"/>).
    /// </summary>
    public long WebSearchRequests { get; init; }

    /// <summary>
    /// How much web content each search read, which OpenAI prices per search (<see cref="SearchContextSizes"/>; the request's
    /// <see cref="Pipeline.LlmRequest.SearchContextSize"/>); null: the default, medium.
    /// </summary>
    public string? SearchContextSize { get; init; }

    /// <summary>Prompt tokens billed at the plain input rate.</summary>
    public long UncachedInputTokens => Math.Max(0, InputTokens - CachedInputTokens - CacheWriteTokens);

    /// <summary>Generated tokens that are not reasoning tokens.</summary>
    public long VisibleOutputTokens => Math.Max(0, OutputTokens - ReasoningTokens);

    public long TotalTokens => InputTokens + OutputTokens;
}
