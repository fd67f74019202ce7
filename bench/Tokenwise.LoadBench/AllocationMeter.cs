namespace Tokenwise.LoadBench;

/// <summary>
/// Bytes this process allocates per request while the meter runs: the median, over half-second windows, of the bytes
/// <see cref="GC.GetTotalAllocatedBytes"/> counted in the window per request completed in it. One reading before a
/// phase and one after would be simpler, but under the server GC's dynamic adaptation (DATAS, on by default) the
/// runtime sums only the heaps active when it is read, so the count drops when a heap is retired and jumps when one
/// comes back (dotnet/runtime#131069): such a pair of readings once gave −5 KB and once +37 KB per request. A window with
/// such a change reads far off, and the median leaves it out.
/// </summary>
internal sealed class AllocationMeter
{
    private static readonly TimeSpan s_window = TimeSpan.FromMilliseconds(500);

    private readonly Func<long> _requests;
    private readonly List<double> _perRequest = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _lastBytes;
    private long _lastRequests;

    private AllocationMeter(Func<long> requests)
    {
        _requests = requests;
        _lastBytes = GC.GetTotalAllocatedBytes(precise: true);
        _lastRequests = requests();
        _sampling = SampleAsync();
    }

    /// <param name="requests">How many requests have completed so far.</param>
    public static AllocationMeter Start(Func<long> requests) => new(requests);

    /// <summary>Stops the meter and gives the bytes allocated per request (0 if no request completed).</summary>
    public async Task<double> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
        EndWindow();
        return Program.Median([.. _perRequest]);
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(s_window);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                EndWindow();
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    private void EndWindow()
    {
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var requests = _requests();
        if (requests > _lastRequests)
        {
            _perRequest.Add((double)(bytes - _lastBytes) / (requests - _lastRequests));
        }

        (_lastBytes, _lastRequests) = (bytes, requests);
    }
}
