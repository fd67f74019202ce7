using Tokenwise.Storage;

namespace Tokenwise.Analysis;

/// <summary>
/// How a session's prompts grew from step to step. An agent or a chat sends its whole context again with every call, so
/// step k's prompt holds step k−1's: <paramref name="ResentTokens"/> counts, for every step after the first, the part of
/// its prompt the step before had already sent (the smaller of the two prompts), the tokens paid for again;
/// <paramref name="CachedTokens"/> how many of all the prompts' tokens a provider's prompt cache served at its lower rate.
/// <paramref name="GrowthPerStep"/> is the least-squares slope of the prompt's size over the steps.
/// </summary>
public sealed record ContextGrowth(string SessionId, int Steps, long FirstInputTokens, long LastInputTokens, double GrowthPerStep,
    long InputTokens, long ResentTokens, long CachedTokens, decimal CostUsd)
{
    /// <summary>The sessions of two or more steps, those that sent the most tokens again first.</summary>
    /// <param name="steps">Steps ordered by session, then by time.</param>
    public static async Task<IReadOnlyList<ContextGrowth>> OfAsync(IAsyncEnumerable<SessionStep> steps, int top, CancellationToken cancellationToken = default)
    {
        var sessions = new List<ContextGrowth>();
        var current = new List<SessionStep>();
        await foreach (var step in steps.WithCancellation(cancellationToken))
        {
            if (current.Count > 0 && current[0].SessionId != step.SessionId)
            {
                Add(sessions, current);
                current.Clear();
            }

            current.Add(step);
        }

        Add(sessions, current);
        return [.. sessions.OrderByDescending(s => s.ResentTokens).ThenBy(s => s.SessionId, StringComparer.Ordinal).Take(top)];
    }

    private static void Add(List<ContextGrowth> sessions, List<SessionStep> steps)
    {
        if (steps.Count < 2)
        {
            return;
        }

        long resent = 0;
        for (var k = 1; k < steps.Count; k++)
        {
            resent += Math.Min(steps[k].InputTokens, steps[k - 1].InputTokens);
        }

        // Slope of input tokens against the step's index 0..n−1.
        var n = steps.Count;
        var meanX = (n - 1) / 2.0;
        var meanY = steps.Average(s => (double)s.InputTokens);
        double covariance = 0, variance = 0;
        for (var k = 0; k < n; k++)
        {
            covariance += (k - meanX) * (steps[k].InputTokens - meanY);
            variance += (k - meanX) * (k - meanX);
        }

        sessions.Add(new ContextGrowth(steps[0].SessionId, n, steps[0].InputTokens, steps[^1].InputTokens, Math.Round(covariance / variance, 1),
            steps.Sum(s => s.InputTokens), resent, steps.Sum(s => s.CachedInputTokens), steps.Sum(s => s.CostUsd)));
    }
}
