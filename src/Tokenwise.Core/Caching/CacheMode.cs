namespace Tokenwise.Caching;

/// <summary>Which cache a request may be answered from: none, exact only, or exact then semantic.</summary>
public enum CacheMode
{
    Off,
    Exact,
    Semantic,
}
