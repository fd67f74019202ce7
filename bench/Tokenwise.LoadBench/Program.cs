using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tokenwise.Hosting;
using Tokenwise.Testing;

namespace Tokenwise.LoadBench;

/// <summary>
/// Load test of the gateway's overhead: the same small non-streaming chat request is sent straight to
/// the fake upstream and then through the gateway (which forwards it to that same fake), at the same
/// concurrency for the same time, and the two are compared. Everything runs in this one process.
/// </summary>
internal static class Program
{
    private const string RequestJson = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}""";
    private const double GoalThroughputShare = 0.60;
    private const double GoalAddedP50Ms = 0.2;
    private const double GoalAddedP99Ms = 1.0;

    private static readonly byte[] s_body = Encoding.UTF8.GetBytes(RequestJson);
    private static readonly MediaTypeHeaderValue s_json = new("application/json");
    private static readonly AuthenticationHeaderValue s_upstreamKey = new("Bearer", FakeUpstream.ApiKey);
    private static string? s_firstError;

    public static async Task<int> Main(string[] args)
    {
        if (!BenchOptions.TryParse(args, out var options, out var problem))
        {
            Console.Error.WriteLine(problem);
            Console.Error.WriteLine(BenchOptions.Usage);
            return problem.Length == 0 ? 0 : 2;
        }

        if (options.Isolate && Environment.GetEnvironmentVariable(IsolatedGateway.PinnedVariable) != "1")
        {
            return await RunPinnedAsync(args);
        }

        // Logging must cost nothing during the run. TestGateway and FakeUpstream remove their log
        // providers; the level is lowered as well (hosts read it from the environment) in case a
        // provider ever comes back, so that only errors would be written.
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Error");

        Console.WriteLine($"Tokenwise load bench: {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} logical CPUs, "
            + $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC, {RuntimeInformation.OSDescription}");
        Console.WriteLine($"duration {options.Duration.TotalSeconds:0.#} s and warm-up {options.Warmup.TotalSeconds:0.#} s per phase, concurrency 1 and {options.Concurrency}");
        Console.WriteLine(options.Isolate
            ? $"The load generator and the fake upstream run in this process on CPU {IsolatedGateway.DriverCpu}; the gateway runs as its own process on CPU {IsolatedGateway.GatewayCpu}."
            : "The load generator, the fake upstream and the gateway run in this one process and share the CPU.");
        var loadBefore = LoadAverage();
        if (loadBefore is not null)
        {
            Console.WriteLine($"load average before the run: {loadBefore}" + (ExceedsCores(loadBefore) ? "  (WARNING: the machine is busy; figures will be noisy)" : ""));
        }

        Console.WriteLine();

        var total = Stopwatch.StartNew();
        await using var upstream = await FakeUpstream.StartAsync(recordRequests: false);
        // Every request here is the same, so with the response cache on (its default) all but the first would be
        // answered from the cache and never reach the upstream: the benchmark measures the proxy path, so it is off.
        // The gateway calls the fake as it calls a provider over TLS: HTTP/2 (unless --upstream-http 1.1), on the
        // fake's cleartext HTTP/2 port. The load generator, like the SDKs, speaks HTTP/1.1 to the gateway and, for
        // direct, to the fake.
        var upstreamUrl = options.UpstreamHttp == "2" ? upstream.Http2BaseUrl : upstream.BaseUrl;
        await using var gateway = options.Isolate ? null : await TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["providers:openai:type"] = "openai",
            ["providers:openai:base_url"] = upstreamUrl.ToString(),
            ["providers:openai:api_key"] = FakeUpstream.ApiKey,
            ["providers:openai:http_version"] = options.UpstreamHttp,
            ["cache:mode"] = "off",
        });
        await using var isolated = options.Isolate ? await IsolatedGateway.StartAsync(upstreamUrl, options.UpstreamHttp, FakeUpstream.ApiKey) : null;
        var usageWriter = gateway?.Services.GetRequiredService<UsageLogWriter>();
        await using var proxy = options.BaselineProxy ? await BareProxy.StartAsync(upstreamUrl, options.UpstreamHttp, FakeUpstream.ApiKey) : null;

        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 4096,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };

        var direct = new Target("direct", new Uri($"{upstream.BaseUrl}/chat/completions"), Authorize: true, FlushAsync: null);
        // In-process, the usage writer's work is counted in its phase; a separate gateway process does it on its own CPU.
        // Either way a phase starts once the one before is stored: a separate gateway's report endpoints wait for its
        // writer (up to 5 s) before they answer.
        var gatewayBase = gateway?.OpenAIBaseUrl ?? new Uri(isolated!.BaseUrl, "v1");
        var through = new Target("gateway", new Uri($"{gatewayBase}/chat/completions"), Authorize: false,
            FlushAsync: usageWriter is not null ? () => usageWriter.FlushAsync(TimeSpan.FromSeconds(10))
                : async () => (await client.GetAsync(new Uri(isolated!.BaseUrl, "admin/reports/spend?since=1m"))).Dispose());

        var bare = proxy is null ? null : new Target("proxy", new Uri($"{proxy.BaseUrl}/chat/completions"), Authorize: false, FlushAsync: null);

        // Fail fast, with the reason, if a path does not answer 200.
        foreach (var target in new[] { direct, through, bare }.OfType<Target>())
        {
            var (status, text) = await ProbeAsync(client, target);
            if (status != HttpStatusCode.OK)
            {
                Console.Error.WriteLine($"{target.Name}: {(int)status} {text}");
                return 1;
            }
        }

        var targets = new[] { direct, through, bare }.OfType<Target>().ToArray();
        var phases = new List<PhaseResult>();
        foreach (var target in targets)
        {
            phases.Add(PhaseResult.From([await RunPhaseAsync(client, target, 1, options.Duration, options.Warmup)]));
        }

        // The loaded phases alternate in rounds, so that a slow spell of the machine (other tenants of the VM)
        // falls on every target alike; the throughput share is the median of the rounds' shares.
        var rounds = targets.ToDictionary(t => t.Name, _ => new List<PhaseRun>());
        var roundDuration = options.Duration / options.Rounds;
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var target in targets)
            {
                // Connections and compiled code stay warm between rounds: only the first needs the full warm-up.
                var warmup = round == 0 ? options.Warmup : TimeSpan.FromSeconds(Math.Min(1, options.Warmup.TotalSeconds));
                rounds[target.Name].Add(await RunPhaseAsync(client, target, options.Concurrency, roundDuration, warmup));
            }
        }

        phases.AddRange(targets.Select(t => PhaseResult.From(rounds[t.Name])));
        var shares = new RoundShares(
            Shares(rounds["gateway"], rounds["direct"]),
            bare is null ? [] : Shares(rounds["proxy"], rounds["direct"]),
            bare is null ? [] : Shares(rounds["gateway"], rounds["proxy"]));

        var summary = Summary.From(phases, options.Concurrency, shares);

        PrintTable(phases);
        PrintSummary(summary, options.Concurrency, options.Rounds, options.Isolate);
        if (summary.Proxy is { } proxySummary)
        {
            PrintProxySummary(proxySummary, options.Concurrency);
        }

        if (s_firstError is not null)
        {
            Console.WriteLine($"first error: {s_firstError}");
        }

        if (options.JsonPath is not null)
        {
            WriteJson(options, phases, summary);
            Console.WriteLine($"figures written to {Path.GetFullPath(options.JsonPath)}");
        }

        var loadAfter = LoadAverage();
        if (loadAfter is not null)
        {
            Console.WriteLine($"load average after the run: {loadAfter} (the run itself keeps the {Environment.ProcessorCount} CPUs busy; much more means other work shared them)");
        }

        Console.WriteLine($"total run time {total.Elapsed.TotalSeconds:0.0} s");
        return phases.Any(p => p.Errors > 0) ? 1 : 0;
    }

    /// <summary>
    /// <c>--isolate</c>: runs this bench again pinned to <see cref="IsolatedGateway.DriverCpu"/> (a process's threads
    /// take its affinity only when it starts pinned), which then starts the gateway pinned to the other CPU.
    /// </summary>
    private static async Task<int> RunPinnedAsync(string[] args)
    {
        if (Environment.ProcessorCount < 2)
        {
            Console.Error.WriteLine("--isolate needs at least 2 CPUs: one for the gateway, one for the load generator and the fake upstream.");
            return 2;
        }

        string[] self = Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet" ? [typeof(Program).Assembly.Location, .. args] : args;
        var start = IsolatedGateway.Pinned(IsolatedGateway.DriverCpu, Environment.ProcessPath!, self);
        start.Environment[IsolatedGateway.PinnedVariable] = "1";
        using var pinned = Process.Start(start) ?? throw new InvalidOperationException("taskset could not start the bench.");
        await pinned.WaitForExitAsync();
        return pinned.ExitCode;
    }

    private static async Task<(HttpStatusCode Status, string Text)> ProbeAsync(HttpClient client, Target target)
    {
        using var request = NewRequest(target);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>One measured run of <paramref name="target"/> after its warm-up.</summary>
    private static async Task<PhaseRun> RunPhaseAsync(HttpClient client, Target target, int concurrency, TimeSpan duration, TimeSpan warmup)
    {
        var name = $"{target.Name}@{concurrency}";
        Console.Write($"running {name,-12} (warm-up {warmup.TotalSeconds:0.#} s, measure {duration.TotalSeconds:0.#} s) ... ");
        if (warmup > TimeSpan.Zero)
        {
            await RunWorkersAsync(client, target, concurrency, warmup, NewLatencyLists(concurrency, warmup));
        }

        // Settle before measuring: the usage writer has stored the warm-up's records, the heap is clean.
        await (target.FlushAsync?.Invoke() ?? Task.CompletedTask);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var latencies = NewLatencyLists(concurrency, duration);
        var allocation = AllocationMeter.Start(() => latencies.Sum(l => (long)l.Count));
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var (errors, elapsed) = await RunWorkersAsync(client, target, concurrency, duration, latencies);
        // The gateway's usage records are written in the background: count that work in its phase.
        await (target.FlushAsync?.Invoke() ?? Task.CompletedTask);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var allocatedPerRequest = await allocation.StopAsync();

        var run = new PhaseRun(name, target.Name, concurrency, [.. latencies.SelectMany(l => l)], errors, elapsed.TotalSeconds, allocatedPerRequest,
            cpu.TotalMicroseconds);
        Console.WriteLine($"{run.Latencies.Length / run.Seconds,9:N0} req/s");
        return run;
    }

    /// <summary>Each round's <paramref name="part"/> throughput as a percentage of the same round's <paramref name="whole"/>.</summary>
    private static double[] Shares(List<PhaseRun> part, List<PhaseRun> whole) =>
        [.. part.Zip(whole, (p, w) => 100 * (p.Latencies.Length / p.Seconds) / (w.Latencies.Length / w.Seconds))];

    internal static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static List<long>[] NewLatencyLists(int concurrency, TimeSpan duration)
    {
        // Sized up front (generously, for ~40k req/s) so that growing them adds nothing to the allocation figures.
        var perWorker = (int)Math.Clamp(40_000 * duration.TotalSeconds / concurrency, 1024, 4_000_000);
        return Enumerable.Range(0, concurrency).Select(_ => new List<long>(perWorker)).ToArray();
    }

    private static async Task<(long Errors, TimeSpan Elapsed)> RunWorkersAsync(
        HttpClient client, Target target, int concurrency, TimeSpan duration, List<long>[] latencies)
    {
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = new Task<long>[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            var list = latencies[i];
            workers[i] = Task.Run(() => WorkerAsync(client, target, deadline, list));
        }

        var errors = (await Task.WhenAll(workers)).Sum();
        return (errors, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Sends requests one after another until the deadline; records each success's latency, counts failures.</summary>
    private static async Task<long> WorkerAsync(HttpClient client, Target target, long deadline, List<long> latencies)
    {
        var buffer = new byte[16 * 1024];
        long errors = 0;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var request = NewRequest(target);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                await using var body = await response.Content.ReadAsStreamAsync();
                long length = 0;
                int read;
                while ((read = await body.ReadAsync(buffer)) > 0)
                {
                    length += read;
                }

                if (response.StatusCode == HttpStatusCode.OK && length > 0)
                {
                    latencies.Add(Stopwatch.GetTimestamp() - started);
                }
                else
                {
                    errors++;
                    Interlocked.CompareExchange(ref s_firstError, $"{target.Name}: HTTP {(int)response.StatusCode}, {length} bytes", null);
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                errors++;
                Interlocked.CompareExchange(ref s_firstError, $"{target.Name}: {e.GetType().Name}: {e.Message}", null);
            }
        }

        return errors;
    }

    private static HttpRequestMessage NewRequest(Target target)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(s_body) };
        request.Content.Headers.ContentType = s_json;
        if (target.Authorize)
        {
            request.Headers.Authorization = s_upstreamKey;
        }

        return request;
    }

    /// <summary>The 1, 5 and 15-minute load averages (Linux), to tell a quiet machine from a busy one.</summary>
    private static string? LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return fields.Length >= 3 ? string.Join(' ', fields[..3]) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool ExceedsCores(string loadAverage) =>
        double.TryParse(loadAverage.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var oneMinute)
        && oneMinute > Environment.ProcessorCount;

    /// <summary>Nearest-rank percentile of sorted timestamps-deltas.</summary>
    private static long Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static void PrintTable(List<PhaseResult> phases)
    {
        Console.WriteLine();
        Console.WriteLine("| phase        | conc | requests |    req/s | p50 ms | p90 ms | p99 ms | max ms | errors | CPU µs/req |");
        Console.WriteLine("|--------------|-----:|---------:|---------:|-------:|-------:|-------:|-------:|-------:|-----------:|");
        foreach (var p in phases)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {p.Name,-12} | {p.Concurrency,4} | {p.Requests,8} | {p.RequestsPerSecond,8:0} | {p.P50Ms,6:0.000} | {p.P90Ms,6:0.000} | {p.P99Ms,6:0.000} | {p.MaxMs,6:0.0} | {p.Errors,6} | {p.CpuMicrosecondsPerRequest,10:0.0} |"));
        }

        // Throughput depends on what else the machine runs; CPU time per request much less, so it shows where a change pays.
        Console.WriteLine("CPU µs/req: this process's CPU time per request (client + fake upstream, plus the gateway or proxy when in-process).");
        Console.WriteLine();
    }

    private static void PrintSummary(Summary s, int n, int rounds, bool isolated)
    {
        static string Verdict(bool ok) => ok ? "met" : "NOT met";
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c,
            $"gateway throughput at concurrency {n}: {s.ThroughputSharePercent:0.0}% of direct (goal >= {GoalThroughputShare * 100:0}%: {Verdict(s.ThroughputSharePercent >= GoalThroughputShare * 100)})"));
        if (rounds > 1)
        {
            Console.WriteLine(string.Create(c, $"  the median of {rounds} alternating rounds: {Percentages(s.Rounds.GatewayOfDirect)}"));
        }

        Console.WriteLine(string.Create(c,
            $"added latency at concurrency 1: p50 {s.AddedP50Ms:+0.000;-0.000} ms (goal <= {GoalAddedP50Ms} ms: {Verdict(s.AddedP50Ms <= GoalAddedP50Ms)}), "
            + $"p99 {s.AddedP99Ms:+0.000;-0.000} ms (goal <= {GoalAddedP99Ms} ms: {Verdict(s.AddedP99Ms <= GoalAddedP99Ms)})"));
        Console.WriteLine();
        if (isolated)
        {
            Console.WriteLine("allocations are not compared with --isolate: the gateway allocates in its own process.");
            Console.WriteLine();
            return;
        }

        Console.WriteLine("bytes allocated per request in this process (client + gateway + fake upstream all in-process):");
        Console.WriteLine(string.Create(c, $"  direct@1:  {s.DirectAllocatedPerRequest,9:N0} B/request (client + fake upstream)"));
        Console.WriteLine(string.Create(c, $"  gateway@1: {s.GatewayAllocatedPerRequest,9:N0} B/request (client + gateway + fake upstream)"));
        Console.WriteLine(string.Create(c, $"  gateway's share (difference): {s.GatewayShareAllocatedPerRequest:N0} B/request"));
        Console.WriteLine("  (the share includes the gateway's Kestrel request handling, its outbound HttpClient call and the background");
        Console.WriteLine("   SQLite usage writer, not only Tokenwise's own code; the <= 4 KB goal is for the own path, see Tokenwise.Benchmarks)");
        Console.WriteLine();
    }

    private static string Percentages(double[] shares) =>
        string.Join(", ", shares.Select(share => share.ToString("0.0", CultureInfo.InvariantCulture) + "%"));

    private static void PrintProxySummary(ProxySummary s, int n)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine("bare pass-through proxy (Kestrel + HttpClient, no Tokenwise code), for reference:");
        Console.WriteLine(string.Create(c, $"  proxy throughput at concurrency {n}: {s.ProxyThroughputSharePercent:0.0}% of direct; gateway: {s.GatewayThroughputSharePercentOfProxy:0.0}% of the proxy (medians of the rounds)"));
        Console.WriteLine(string.Create(c, $"  proxy added latency at concurrency 1: p50 {s.ProxyAddedP50Ms:+0.000;-0.000} ms, p99 {s.ProxyAddedP99Ms:+0.000;-0.000} ms"));
        Console.WriteLine(string.Create(c, $"  gateway over the proxy at concurrency 1: p50 {s.GatewayOverProxyP50Ms:+0.000;-0.000} ms, p99 {s.GatewayOverProxyP99Ms:+0.000;-0.000} ms"));
        Console.WriteLine(string.Create(c, $"  allocated per request in this process, proxy@1: {s.ProxyAllocatedPerRequest:N0} B (share over direct: {s.ProxyShareAllocatedPerRequest:N0} B)"));
        Console.WriteLine(string.Create(c,
            $"  CPU per request at concurrency {n}: direct {s.DirectCpuMicroseconds:0.0} µs, proxy {s.ProxyCpuMicroseconds:0.0} µs, gateway {s.GatewayCpuMicroseconds:0.0} µs:"));
        Console.WriteLine(string.Create(c,
            $"  the extra hop costs {s.ProxyCpuMicroseconds - s.DirectCpuMicroseconds:0.0} µs, Tokenwise's own work {s.GatewayCpuMicroseconds - s.ProxyCpuMicroseconds:0.0} µs; 60% of direct's throughput allows the gateway {s.DirectCpuMicroseconds / GoalThroughputShare - s.DirectCpuMicroseconds:0.0} µs in all"));
        Console.WriteLine();
    }

    /// <summary>Every figure as JSON: the records that hold them, serialized with snake_case names.</summary>
    private static void WriteJson(BenchOptions options, List<PhaseResult> phases, Summary summary)
    {
        var report = new
        {
            Environment = new
            {
                Runtime = RuntimeInformation.FrameworkDescription,
                Os = RuntimeInformation.OSDescription,
                ProcessorCount = Environment.ProcessorCount,
                ServerGc = GCSettings.IsServerGC,
                LoadAverageAtEnd = LoadAverage(),
                TimestampUtc = DateTimeOffset.UtcNow,
            },
            Settings = new
            {
                DurationS = options.Duration.TotalSeconds,
                WarmupS = options.Warmup.TotalSeconds,
                options.Concurrency,
                options.Rounds,
                options.UpstreamHttp,
                RequestBody = RequestJson,
            },
            Phases = phases,
            Summary = summary,
            Goals = new
            {
                ThroughputAtLeast60Percent = summary.ThroughputSharePercent >= GoalThroughputShare * 100,
                AddedP50AtMost02Ms = summary.AddedP50Ms <= GoalAddedP50Ms,
                AddedP99AtMost1Ms = summary.AddedP99Ms <= GoalAddedP99Ms,
            },
        };
        using var stream = File.Create(options.JsonPath!);
        JsonSerializer.Serialize(stream, report, new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }

    private sealed record Target(string Name, Uri Url, bool Authorize, Func<Task>? FlushAsync);

    /// <summary>One measured run: every successful request's latency (Stopwatch ticks), and the process's allocations and CPU time.</summary>
    private sealed record PhaseRun(string Name, string Target, int Concurrency, long[] Latencies, long Errors, double Seconds,
        double AllocatedPerRequest, double CpuMicroseconds);

    private sealed record PhaseResult(
        string Name,
        string Target,
        int Concurrency,
        long Requests,
        long Errors,
        double Seconds,
        double RequestsPerSecond,
        double P50Ms,
        double P90Ms,
        double P99Ms,
        double MaxMs,
        double MeanMs,
        double AllocatedPerRequest,
        double CpuMicrosecondsPerRequest)
    {
        /// <summary>The runs of one phase taken together: their requests, time, allocations and CPU summed, latencies pooled.</summary>
        public static PhaseResult From(IReadOnlyList<PhaseRun> runs)
        {
            var all = runs.SelectMany(r => r.Latencies).ToArray();
            Array.Sort(all);
            var seconds = runs.Sum(r => r.Seconds);
            double PerRequest(double total) => all.Length == 0 ? 0 : total / all.Length;
            return new PhaseResult(
                runs[0].Name,
                runs[0].Target,
                runs[0].Concurrency,
                all.Length,
                runs.Sum(r => r.Errors),
                seconds,
                all.Length / seconds,
                Ms(Percentile(all, 0.50)),
                Ms(Percentile(all, 0.90)),
                Ms(Percentile(all, 0.99)),
                all.Length == 0 ? 0 : Ms(all[^1]),
                all.Length == 0 ? 0 : Ms((long)all.Average()),
                PerRequest(runs.Sum(r => r.AllocatedPerRequest * r.Latencies.Length)),
                PerRequest(runs.Sum(r => r.CpuMicroseconds)));
        }
    }

    /// <summary>Throughput shares per round of the loaded phases, in percent (the proxy's empty without <c>--baseline-proxy</c>).</summary>
    private sealed record RoundShares(double[] GatewayOfDirect, double[] ProxyOfDirect, double[] GatewayOfProxy);

    private sealed record Summary(
        double ThroughputSharePercent,
        double AddedP50Ms,
        double AddedP99Ms,
        double DirectAllocatedPerRequest,
        double GatewayAllocatedPerRequest,
        RoundShares Rounds,
        ProxySummary? Proxy)
    {
        public double GatewayShareAllocatedPerRequest => GatewayAllocatedPerRequest - DirectAllocatedPerRequest;

        public static Summary From(List<PhaseResult> phases, int n, RoundShares rounds)
        {
            PhaseResult Find(string name) => phases.First(p => p.Name == name);
            var direct1 = Find("direct@1");
            var gateway1 = Find("gateway@1");
            var directN = phases.Last(p => p.Target == "direct" && p.Concurrency == n);
            var gatewayN = phases.Last(p => p.Target == "gateway" && p.Concurrency == n);
            var proxy1 = phases.FirstOrDefault(p => p.Name == "proxy@1");
            var proxyN = phases.LastOrDefault(p => p.Target == "proxy" && p.Concurrency == n);
            var proxy = proxy1 is null || proxyN is null ? null : new ProxySummary(
                Median(rounds.ProxyOfDirect),
                Median(rounds.GatewayOfProxy),
                proxy1.P50Ms - direct1.P50Ms,
                proxy1.P99Ms - direct1.P99Ms,
                gateway1.P50Ms - proxy1.P50Ms,
                gateway1.P99Ms - proxy1.P99Ms,
                proxy1.AllocatedPerRequest,
                proxy1.AllocatedPerRequest - direct1.AllocatedPerRequest,
                directN.CpuMicrosecondsPerRequest,
                proxyN.CpuMicrosecondsPerRequest,
                gatewayN.CpuMicrosecondsPerRequest);
            return new Summary(
                Median(rounds.GatewayOfDirect),
                gateway1.P50Ms - direct1.P50Ms,
                gateway1.P99Ms - direct1.P99Ms,
                direct1.AllocatedPerRequest,
                gateway1.AllocatedPerRequest,
                rounds,
                proxy);
        }
    }

    private sealed record ProxySummary(
        double ProxyThroughputSharePercent,
        double GatewayThroughputSharePercentOfProxy,
        double ProxyAddedP50Ms,
        double ProxyAddedP99Ms,
        double GatewayOverProxyP50Ms,
        double GatewayOverProxyP99Ms,
        double ProxyAllocatedPerRequest,
        double ProxyShareAllocatedPerRequest,
        double DirectCpuMicroseconds,
        double ProxyCpuMicroseconds,
        double GatewayCpuMicroseconds);
}
