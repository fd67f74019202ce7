namespace Tokenwise.Pipeline;

/// <summary>An upstream's answer: status and headers now, body to be read (or relayed) by the caller.</summary>
public sealed class UpstreamResponse(int statusCode, string? contentType, Stream body, IDisposable? owner = null) : IDisposable
{
    /// <summary>
    /// The most of a non-streamed answer the gateway holds in memory to meter, price, check, translate or cache it. Far
    /// above real answers (a batch of 2,048 embeddings of 3,072 dimensions is about 70 MB of JSON), it bounds what one
    /// broken or hostile upstream can make the gateway allocate.
    /// </summary>
    public const int MaxAnswerBytes = 256 * 1024 * 1024;

    public int StatusCode { get; } = statusCode;
    public string? ContentType { get; } = contentType;
    public Stream Body { get; } = body;
    /// <summary>The upstream's <c>Retry-After</c>, passed on to the client with 429 and 503 answers.</summary>
    public string? RetryAfter { get; init; }
    /// <summary>
    /// The provider's id for this call (OpenAI's <c>x-request-id</c>, Anthropic's <c>request-id</c>), passed on to the
    /// client and kept in the usage record, so that a call can be looked up in the provider's logs and bills.
    /// </summary>
    public string? RequestId { get; init; }
    /// <summary>
    /// Cancels reads of <see cref="Body"/>: fires when the caller's token does (the client went away)
    /// or when the call's total timeout expires. Readers tell the two apart by the caller's token.
    /// </summary>
    public CancellationToken ReadCancellation { get; init; }
    /// <summary>
    /// Set when the body was translated from another dialect, whose usage the client's dialect cannot
    /// carry whole (OpenAI's has no cache writes, Anthropic's no reasoning tokens): returns the usage
    /// the provider reported, to meter instead of the body's, once the body has been read; null when
    /// the provider reported none (the stream broke, say), and the caller estimates.
    /// </summary>
    public Func<Metering.TokenUsage?>? ReportedUsage { get; init; }
    /// <summary>
    /// With <see cref="ReportedUsage"/> on a translated stream: what the provider had reported when its
    /// stream ended before the final usage (Anthropic's <c>message_start</c> gives the whole prompt side,
    /// cache reads and writes included), which the caller keeps while it estimates the rest; null when
    /// the provider had reported nothing.
    /// </summary>
    public Func<Metering.TokenUsage?>? PartialUsage { get; init; }

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    public void Dispose()
    {
        Body.Dispose();
        owner?.Dispose();
    }
}
