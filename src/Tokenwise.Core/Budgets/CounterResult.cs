namespace Tokenwise.Budgets;

/// <summary>The outcome of <see cref="ICounterStore.TryAddAsync"/>.</summary>
/// <param name="Values">Each counter's value after the call (unchanged when not admitted).</param>
/// <param name="FailedIndex">The first check whose limit would have been exceeded; -1 when admitted.</param>
public readonly record struct CounterResult(decimal[] Values, int FailedIndex)
{
    public bool Admitted => FailedIndex < 0;
}
