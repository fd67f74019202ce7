namespace Tokenwise.Budgets;

/// <summary>
/// The budget and rate-limit counters. Admission is check-and-add over several counters at once, atomic,
/// so concurrent requests cannot together pass a limit. Implemented in process now; a Redis implementation
/// (one Lua script per call) shares them across gateway instances.
/// </summary>
public interface ICounterStore
{
    /// <summary>
    /// If every limited check holds (value + amount ≤ limit), adds every amount; otherwise changes nothing.
    /// </summary>
    ValueTask<CounterResult> TryAddAsync(IReadOnlyList<CounterCheck> checks);

    /// <summary>Adds unconditionally (limits are ignored) and returns the values after.</summary>
    ValueTask<decimal[]> AddAsync(IReadOnlyList<CounterCheck> changes);
}
