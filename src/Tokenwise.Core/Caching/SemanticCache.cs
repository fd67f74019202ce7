using Tokenwise.Embeddings;

namespace Tokenwise.Caching;

/// <summary>
/// The semantic lookup's embedding step. The embedder is awaited, never blocked on, and bounded by
/// <paramref name="timeout"/>: a slow or failing embedder (a remote endpoint down, a local model queued
/// behind other requests) turns the lookup into a miss, reported to <paramref name="embeddingFailed"/>, and
/// the request goes on to the provider as if the semantic cache were off.
/// </summary>
public sealed class SemanticCache(ITextEmbedder embedder, SemanticMatcher matcher, TimeSpan timeout, TimeProvider time, Action<Exception> embeddingFailed)
{
    public string EmbedderId => embedder.ModelId;

    public SemanticMatcher Matcher => matcher;

    /// <summary>The question's vector, or null when the embedder failed or took longer than the timeout.</summary>
    public async ValueTask<float[]?> TryEmbedAsync(string question, CancellationToken aborted)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, deadline.Token);
        try
        {
            var vectors = await embedder.EmbedAsync([question], linked.Token);
            return vectors is [{ Length: > 0 } vector] ? vector : throw new InvalidOperationException($"The embedder {embedder.ModelId} returned no vector.");
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            throw; // the client left: nothing to report
        }
        catch (Exception e)
        {
            embeddingFailed(e is OperationCanceledException ? new TimeoutException($"The embedder {embedder.ModelId} took longer than {timeout.TotalMilliseconds:0} ms.", e) : e);
            return null;
        }
    }
}
