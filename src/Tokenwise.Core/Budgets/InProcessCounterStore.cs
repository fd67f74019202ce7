namespace Tokenwise.Budgets;

/// <summary>
/// Counters in one dictionary behind one lock: an admission touches a handful of counters for well under
/// a microsecond, so a single lock is both the simplest way to be atomic and fast enough.
/// </summary>
public sealed class InProcessCounterStore(TimeProvider time) : ICounterStore
{
    private const int SweepEvery = 4096;
    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _callsSinceSweep;

    public ValueTask<CounterResult> TryAddAsync(IReadOnlyList<CounterCheck> checks)
    {
        var values = new decimal[checks.Count];
        lock (_lock)
        {
            for (var i = 0; i < checks.Count; i++)
            {
                var check = checks[i];
                var current = _counters.TryGetValue(check.Key, out var counter) ? counter.Value : 0m;
                if (check.Limit is { } limit && current + check.Amount > limit)
                {
                    for (var j = 0; j < checks.Count; j++)
                    {
                        values[j] = _counters.TryGetValue(checks[j].Key, out var c) ? c.Value : 0m;
                    }

                    return ValueTask.FromResult(new CounterResult(values, i));
                }
            }

            AddLocked(checks, values);
        }

        return ValueTask.FromResult(new CounterResult(values, -1));
    }

    public ValueTask<decimal[]> AddAsync(IReadOnlyList<CounterCheck> changes)
    {
        var values = new decimal[changes.Count];
        lock (_lock)
        {
            AddLocked(changes, values);
        }

        return ValueTask.FromResult(values);
    }

    private void AddLocked(IReadOnlyList<CounterCheck> changes, decimal[] values)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            var counter = _counters.TryGetValue(change.Key, out var c) ? c : new Counter(0m, change.ExpiresAt);
            counter = counter with { Value = counter.Value + change.Amount };
            _counters[change.Key] = counter;
            values[i] = counter.Value;
        }

        if (++_callsSinceSweep >= SweepEvery)
        {
            _callsSinceSweep = 0;
            var now = time.GetUtcNow();
            foreach (var (key, counter) in _counters)
            {
                if (counter.ExpiresAt <= now)
                {
                    _counters.Remove(key);
                }
            }
        }
    }

    private readonly record struct Counter(decimal Value, DateTimeOffset? ExpiresAt);
}
