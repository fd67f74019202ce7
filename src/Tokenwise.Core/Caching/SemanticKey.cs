namespace Tokenwise.Caching;

/// <summary>
/// How a stored answer is found by meaning: its scope, the question it answered and that question's
/// vector from <see cref="Embedder"/> (vectors of different embedders are not comparable, so an entry made
/// by another one is served by the exact cache only).
/// </summary>
public sealed record SemanticKey(string Scope, string Question, float[] Vector, string Embedder);
