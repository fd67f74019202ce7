using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Tokenwise.LoadBench;

/// <summary>
/// The gateway as its own process (<c>tokenwise serve</c>), pinned to one CPU with <c>taskset</c>, for
/// <c>--isolate</c>: the load generator and the fake upstream keep the other CPU, as in production, where
/// the gateway has its own machine and the upstream is someone else's.
/// </summary>
internal sealed class IsolatedGateway : IAsyncDisposable
{
    /// <summary>The CPU the bench itself (load generator and fake upstream) runs on.</summary>
    public const int DriverCpu = 0;

    /// <summary>The CPU the gateway process runs on.</summary>
    public const int GatewayCpu = 1;

    /// <summary>Set in the bench's own pinned run, so it does not pin itself again.</summary>
    public const string PinnedVariable = "LOADBENCH_PINNED";

    private readonly Process _process;
    private readonly string _directory;

    private IsolatedGateway(Process process, Uri baseUrl, string directory)
    {
        _process = process;
        BaseUrl = baseUrl;
        _directory = directory;
    }

    public Uri BaseUrl { get; }

    public static async Task<IsolatedGateway> StartAsync(Uri upstream, string httpVersion, string upstreamKey)
    {
        var port = FreePort();
        var directory = Directory.CreateTempSubdirectory("tokenwise-loadbench-").FullName;
        var start = Pinned(GatewayCpu, "dotnet", Path.Combine(AppContext.BaseDirectory, "tokenwise.dll"), "serve", "--urls", $"http://127.0.0.1:{port}");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment.Remove(PinnedVariable);
        start.Environment["OPENAI_API_KEY"] = upstreamKey;
        start.Environment["OPENAI_BASE_URL"] = upstream.ToString();
        start.Environment["TOKENWISE_PROVIDERS__OPENAI__HTTP_VERSION"] = httpVersion;
        // The same settings as the in-process gateway: no response cache (every request is the same), quiet logs.
        start.Environment["TOKENWISE_CACHE__MODE"] = "off";
        start.Environment["TOKENWISE_STORAGE__SQLITE_PATH"] = Path.Combine(directory, "tokenwise.db");
        start.Environment["Logging__LogLevel__Default"] = "Error";
        var process = Process.Start(start) ?? throw new InvalidOperationException("taskset could not start the gateway.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("gateway: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var gateway = new IsolatedGateway(process, new Uri($"http://127.0.0.1:{port}/"), directory);
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 300 && !process.HasExited; attempt++)
        {
            try
            {
                if ((await probe.GetAsync(new Uri(gateway.BaseUrl, "readyz"))).StatusCode == HttpStatusCode.OK)
                {
                    return gateway;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        await gateway.DisposeAsync();
        throw new InvalidOperationException("The gateway process did not become ready within 30 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // The temp folder is cleaned by the OS.
        }
    }

    /// <summary><paramref name="program"/> with <paramref name="args"/>, run by <c>taskset</c> on <paramref name="cpu"/> alone.</summary>
    public static ProcessStartInfo Pinned(int cpu, string program, params string[] args)
    {
        var start = new ProcessStartInfo("taskset");
        foreach (var arg in (string[])["-c", cpu.ToString(System.Globalization.CultureInfo.InvariantCulture), program, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
