namespace Tokenwise.Providers.Simulated;

/// <summary>How slowly the simulated provider answers: a delay before the first token and per token after.</summary>
public sealed record SimulatedLatency(TimeSpan FirstToken, TimeSpan PerToken)
{
    public static SimulatedLatency None { get; } = new(TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>Roughly a small hosted model's pace, so the demo's latency and TTFT figures look real.</summary>
    public static SimulatedLatency Realistic { get; } = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(12));
}
