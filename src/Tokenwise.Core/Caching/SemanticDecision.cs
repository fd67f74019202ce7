namespace Tokenwise.Caching;

/// <summary>
/// What <see cref="SemanticMatcher"/> made of a query's candidates: the one it chose (<see cref="Index"/>,
/// -1 when there were none), and whether that one passed the second-stage check (<see cref="Reason"/> says
/// why not). The choice and the check do not depend on the threshold, so a decision is served at any
/// threshold its similarity reaches: <c>tokenwise cache eval --decisions-out</c> writes both, and every
/// operating point can be recomputed from them.
/// </summary>
public readonly record struct SemanticDecision(int Index, float Similarity, bool Accepted, string Reason)
{
    public static SemanticDecision None { get; } = new(-1, float.NegativeInfinity, false, "no_candidate");

    public bool Serves(double threshold) => Index >= 0 && Accepted && Similarity >= threshold;
}
