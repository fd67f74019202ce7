namespace Tokenwise.Budgets;

/// <summary>
/// What one admitted request reserved. The endpoint settles it exactly once, when the request's usage
/// record is final, whether the request succeeded, failed or was cancelled.
/// </summary>
public sealed class Admission
{
    private readonly AdmissionGate _gate;
    private int _settled;

    internal Admission(AdmissionGate gate, List<CounterCheck> checks, List<Part> parts)
    {
        _gate = gate;
        Checks = checks;
        Parts = parts;
    }

    internal List<CounterCheck> Checks { get; }
    internal List<Part> Parts { get; }

    /// <summary>Replaces the reservation with the real cost and tokens.</summary>
    public ValueTask SettleAsync(decimal costUsd, long tokens) =>
        Interlocked.Exchange(ref _settled, 1) == 0 ? _gate.SettleAsync(this, costUsd, tokens) : ValueTask.CompletedTask;

    internal enum PartKind
    {
        Budget,
        Requests,
        Tokens,
        Concurrent,
    }

    /// <summary>Why a counter is part of the admission: the policy and the window it counts for.</summary>
    internal sealed record Part(PartKind Kind, Budget? Budget, RateLimit? Limit, string Target, DateTimeOffset WindowStart, DateTimeOffset? WindowEnd);
}
