using Tokenwise.Embeddings;

namespace Tokenwise.Testing;

/// <summary>An embedder whose endpoint is down: every call fails, and is counted.</summary>
public sealed class FailingEmbedder : ITextEmbedder
{
    private int _calls;

    public string ModelId => "failing";

    public int Dimensions => 0;

    /// <summary>How many times something asked for a vector.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public ValueTask<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return ValueTask.FromException<float[][]>(new HttpRequestException("connection refused"));
    }
}
