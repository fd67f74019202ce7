namespace Tokenwise.Routing.Routes;

/// <summary>
/// What the gateway has seen of one deployment, shared by every route that sends to it: consecutive
/// failures and the cooldown they started, the moving average time to first byte, and the requests and
/// tokens sent in the current minute (against its own upstream limits). Thread-safe.
/// </summary>
public sealed class DeploymentHealth(string key)
{
    /// <summary>Weight of the newest sample in the latency average: about the last ten requests count.</summary>
    public const double LatencySmoothing = 0.2;

    private readonly Lock _lock = new();
    private int _failures;
    private DateTimeOffset _coolingUntil;
    private double _latencyMs = double.NaN;
    private long _minute;
    private int _minuteRequests;
    private long _minuteTokens;
    private long _successes;
    private long _errors;

    public string Key { get; } = key;

    public bool IsCoolingDown(DateTimeOffset now)
    {
        lock (_lock)
        {
            return now < _coolingUntil;
        }
    }

    public DateTimeOffset CoolingUntil
    {
        get
        {
            lock (_lock)
            {
                return _coolingUntil;
            }
        }
    }

    /// <summary>Moving average of the time to first byte in milliseconds; NaN until the first success.</summary>
    public double LatencyMs
    {
        get
        {
            lock (_lock)
            {
                return _latencyMs;
            }
        }
    }

    public long Successes => Interlocked.Read(ref _successes);

    public long Failures => Interlocked.Read(ref _errors);

    /// <summary>Counts a request about to be sent, for the headroom in this minute.</summary>
    public void Sent(DateTimeOffset now, long tokens)
    {
        lock (_lock)
        {
            Roll(now);
            _minuteRequests++;
            _minuteTokens += tokens;
        }
    }

    /// <summary>Requests and tokens sent so far in the minute of <paramref name="now"/>.</summary>
    public (int Requests, long Tokens) ThisMinute(DateTimeOffset now)
    {
        lock (_lock)
        {
            Roll(now);
            return (_minuteRequests, _minuteTokens);
        }
    }

    public void Succeeded(double firstByteMs)
    {
        Interlocked.Increment(ref _successes);
        lock (_lock)
        {
            _failures = 0;
            _latencyMs = double.IsNaN(_latencyMs) ? firstByteMs : _latencyMs + (LatencySmoothing * (firstByteMs - _latencyMs));
        }
    }

    /// <summary>
    /// Counts a failure; the <paramref name="threshold"/>-th in a row starts a cooldown of <paramref name="cooldown"/>.
    /// Returns whether the deployment is now cooling down.
    /// </summary>
    public bool Failed(DateTimeOffset now, int threshold, TimeSpan cooldown)
    {
        Interlocked.Increment(ref _errors);
        lock (_lock)
        {
            if (++_failures < threshold)
            {
                return now < _coolingUntil;
            }

            var until = now + cooldown;
            if (until > _coolingUntil)
            {
                _coolingUntil = until;
            }

            return true;
        }
    }

    private void Roll(DateTimeOffset now)
    {
        var minute = now.ToUnixTimeSeconds() / 60;
        if (minute != _minute)
        {
            _minute = minute;
            _minuteRequests = 0;
            _minuteTokens = 0;
        }
    }
}
