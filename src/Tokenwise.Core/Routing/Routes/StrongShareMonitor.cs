namespace Tokenwise.Routing.Routes;

/// <summary>
/// The share of a learned route's recent decisions that went to the strong model, against the share the
/// router was calibrated for. A router calibrated on one kind of traffic can send a very different share
/// of another to the strong model (docs/routing.md), and that share is what the bill follows. Thread-safe.
/// </summary>
public sealed class StrongShareMonitor(double? targetShare, int window = StrongShareMonitor.DefaultWindow)
{
    public const int DefaultWindow = 1000;

    /// <summary>Drift beyond this many percentage points, over at least <see cref="MinimumDecisions"/> decisions, is reported as drifting.</summary>
    public const double Tolerance = 0.10;

    public const int MinimumDecisions = 100;

    private readonly bool[] _recent = new bool[window];
    private readonly Lock _lock = new();
    private int _next;
    private int _count;
    private int _strong;
    private long _total;

    /// <summary>Null when the router was calibrated for quality and no share is configured: the share is reported, drift is not.</summary>
    public double? TargetShare { get; } = targetShare;

    public int Window => _recent.Length;

    public void Record(bool strong)
    {
        lock (_lock)
        {
            if (_count == _recent.Length)
            {
                _strong -= _recent[_next] ? 1 : 0;
            }
            else
            {
                _count++;
            }

            _recent[_next] = strong;
            _strong += strong ? 1 : 0;
            _next = (_next + 1) % _recent.Length;
            _total++;
        }
    }

    public StrongShareReport Report()
    {
        lock (_lock)
        {
            var share = _count == 0 ? 0 : (double)_strong / _count;
            var drift = share - TargetShare;
            return new StrongShareReport(_total, _count, share, TargetShare, drift, _count >= MinimumDecisions && Math.Abs(drift ?? 0) > Tolerance);
        }
    }
}
