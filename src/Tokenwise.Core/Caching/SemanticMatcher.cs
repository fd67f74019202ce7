namespace Tokenwise.Caching;

/// <summary>
/// The semantic cache's decision, shared by the gateway and <c>tokenwise cache eval</c> so the figures
/// measured are the decisions served: which of the nearest stored questions answers a query, and
/// whether to trust it. Raw cosine similarity confuses neighbours ("How do I learn Python?" and "How
/// do I learn Java?" score 0.9 with all-MiniLM-L6-v2), so a second stage, hand-set and measured (see
/// docs/caching.md), looks at the words:
/// <list type="number">
/// <item><b>Re-rank.</b> Of the <see cref="Candidates"/> nearest entries, the one with the highest cosine +
/// <see cref="OverlapWeight"/> × content-word overlap is chosen: a paraphrase keeps most of its origin's
/// words, so a query picks its own origin over a neighbour that merely sounds alike.</item>
/// <item><b>Ambiguity.</b> When another candidate with a different question scores within <see cref="Margin"/>
/// of the chosen one, the index cannot tell which question was asked: miss rather than guess.</item>
/// <item><b>Numbers and negation.</b> Questions whose numbers differ ("top 5" / "top 10", "in 2023" / "in 2024")
/// or of which only one is negated ask for different answers however close their vectors are.</item>
/// </list>
/// The choice and the checks do not depend on the threshold; the chosen entry is served when its cosine
/// similarity reaches the threshold too.
/// </summary>
public sealed class SemanticMatcher
{
    /// <summary>How many nearest entries the index hands over: a handful is enough to find a query's origin, and the check stays a few microseconds.</summary>
    public const int Candidates = 4;

    /// <summary>How much a fully shared vocabulary adds to the cosine when re-ranking.</summary>
    public const double OverlapWeight = 0.3;

    /// <summary>The re-ranking score a choice must lead the next different question by.</summary>
    public const double Margin = 0.02;

    public static SemanticMatcher Default { get; } = new();

    public SemanticDecision Decide(string question, IReadOnlyList<SemanticCandidate> candidates)
    {
        if (candidates.Count == 0)
        {
            return SemanticDecision.None;
        }

        var query = QuestionWords.Of(question);
        var words = new QuestionWords[candidates.Count];
        var scores = new double[candidates.Count];
        var best = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            words[i] = QuestionWords.Of(candidates[i].Question);
            scores[i] = candidates[i].Similarity + (OverlapWeight * query.Overlap(words[i]));
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        var similarity = candidates[best].Similarity;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (i != best && scores[best] - scores[i] < Margin && candidates[i].Question != candidates[best].Question)
            {
                return new SemanticDecision(best, similarity, false, "ambiguous");
            }
        }

        return !query.SameNumbers(words[best]) ? new SemanticDecision(best, similarity, false, "numbers_differ")
            : query.Negated != words[best].Negated ? new SemanticDecision(best, similarity, false, "negation_differs")
            : new SemanticDecision(best, similarity, true, "");
    }
}
