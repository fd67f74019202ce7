using Tokenwise.Embeddings;

namespace Tokenwise.Routing.Routes;

/// <summary>A learned route's pair, its router and threshold, and the monitor of its share of strong calls.</summary>
public sealed class LearnedRoute(RouteTarget strong, RouteTarget weak, StrongWeakRouter router, ITextEmbedder embedder, double threshold, double? targetShare)
{
    public RouteTarget Strong { get; } = strong;
    public RouteTarget Weak { get; } = weak;
    public StrongWeakRouter Router { get; } = router;
    /// <summary>The embedder the router's weights expect; the semantic cache shares it.</summary>
    public ITextEmbedder Embedder { get; } = embedder;
    /// <summary>Scores at or above it go to the strong model.</summary>
    public double Threshold { get; } = threshold;
    public StrongShareMonitor Monitor { get; } = new(targetShare);
}
