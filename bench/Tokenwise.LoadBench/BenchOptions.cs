using System.Globalization;

namespace Tokenwise.LoadBench;

/// <summary>Command-line settings of the load bench.</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/Tokenwise.LoadBench -- [options]
          --duration SECONDS     measured time of each phase (default 10)
          --concurrency N        concurrent requests of the loaded phases (default 32)
          --warmup SECONDS       unmeasured time before each phase (default 3; 1 before later rounds)
          --rounds N             the loaded phases alternate in N rounds of DURATION/N each (default 5);
                                 their throughput share is the median of the rounds' shares
          --json FILE            also write the figures to FILE as JSON
          --baseline-proxy       also measure a bare pass-through proxy (Kestrel + HttpClient, no Tokenwise
                                 code) at both concurrencies, to separate the extra hop from the gateway's work
          --upstream-http 2|1.1  the protocol from the gateway (and the bare proxy) to the fake upstream
                                 (default 2: HTTP/2, as to providers over TLS; 1.1: a connection per call)
          --isolate              run the gateway as its own process pinned to CPU 1 (taskset), the load
                                 generator and the fake upstream pinned to CPU 0: the gateway on its own
                                 machine, as in production (needs 2+ CPUs; not with --baseline-proxy)
        """;

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(3);
    public int Concurrency { get; private set; } = 32;
    public int Rounds { get; private set; } = 5;
    public string? JsonPath { get; private set; }
    public bool BaselineProxy { get; private set; }
    public bool Isolate { get; private set; }

    /// <summary>The gateway's <c>http_version</c> towards the fake upstream: <c>2</c> or <c>1.1</c>.</summary>
    public string UpstreamHttp { get; private set; } = "2";

    /// <summary>False with an empty <paramref name="problem"/> when help was asked for.</summary>
    public static bool TryParse(string[] args, out BenchOptions options, out string problem)
    {
        options = new BenchOptions();
        problem = "";
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help" or "-?")
            {
                return false;
            }

            if (name == "--baseline-proxy")
            {
                options.BaselineProxy = true;
                continue;
            }

            if (name == "--isolate")
            {
                options.Isolate = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                problem = $"{name} needs a value.";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--duration" when TryPositive(value, out var seconds):
                    options.Duration = TimeSpan.FromSeconds(seconds);
                    break;
                case "--warmup" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0:
                    options.Warmup = TimeSpan.FromSeconds(seconds);
                    break;
                case "--concurrency" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 4096:
                    options.Concurrency = n;
                    break;
                case "--rounds" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100:
                    options.Rounds = n;
                    break;
                case "--json":
                    options.JsonPath = value;
                    break;
                case "--upstream-http" when value is "2" or "1.1":
                    options.UpstreamHttp = value;
                    break;
                case "--duration" or "--warmup" or "--concurrency" or "--rounds" or "--upstream-http":
                    problem = $"{name}: '{value}' is not a valid value.";
                    return false;
                default:
                    problem = $"Unknown option '{name}'.";
                    return false;
            }
        }

        if (options.Isolate && options.BaselineProxy)
        {
            problem = "--isolate and --baseline-proxy cannot be combined.";
            return false;
        }

        return true;
    }

    private static bool TryPositive(string value, out double seconds) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) && seconds > 0;
}
