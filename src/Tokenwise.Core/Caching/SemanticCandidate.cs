namespace Tokenwise.Caching;

/// <summary>A stored question the index found near a query, and its cosine similarity to the query.</summary>
public readonly record struct SemanticCandidate(string Question, float Similarity);
