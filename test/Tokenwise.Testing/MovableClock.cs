namespace Tokenwise.Testing;

/// <summary>
/// A clock for a whole running gateway: the system's wall clock plus an offset the test moves, so it can jump to a
/// period boundary or past a key's expiry while delays, timers and timestamps (the batch writer, timeouts, latencies)
/// keep running in real time, as they would not under a frozen FakeTimeProvider.
/// </summary>
public sealed class MovableClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>From now on the clock reads <paramref name="now"/>, and runs on from there.</summary>
    public void MoveTo(DateTimeOffset now) => Interlocked.Exchange(ref _offsetTicks, (now - base.GetUtcNow()).Ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
