namespace Tokenwise.Caching;

/// <summary>An indexed entry and its cosine similarity to the query.</summary>
public readonly record struct VectorMatch(long Id, float Similarity);
