using System.Diagnostics;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>Runs the <c>tokenwise</c> command as a user does: a separate process, with its own environment.</summary>
internal static class TokenwiseCli
{
    public static Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    public static async Task<(int Exit, string Out, string Err)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(environment, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Starts <c>tokenwise serve</c> on <paramref name="url"/> and returns once it is ready (<c>/readyz</c>); disposing the
    /// result stops it. For what only a process of its own can have, such as its own trusted certificates.
    /// </summary>
    public static Task<ServerProcess> ServeAsync(Uri url, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        ServeInAsync(workingDirectory: null, url, environment, args);

    /// <summary><see cref="ServeAsync"/> started in <paramref name="workingDirectory"/> (the test's own when null).</summary>
    public static async Task<ServerProcess> ServeInAsync(string? workingDirectory, Uri url, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = StartInfo(environment, ["serve", "--urls", url.ToString(), .. args]);
        start.WorkingDirectory = workingDirectory ?? "";
        var process = Process.Start(start)!;
        var server = new ServerProcess(process);
        using var http = new HttpClient { BaseAddress = url };
        for (var started = Stopwatch.StartNew(); started.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(100))
        {
            if (process.HasExited)
            {
                var output = await server.OutputAsync();
                server.Dispose();
                throw new InvalidOperationException($"tokenwise serve exited with {process.ExitCode}: {output}");
            }

            try
            {
                using var ready = await http.GetAsync("readyz");
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
        }

        server.Dispose();
        throw new TimeoutException("tokenwise serve was not ready within 60 s.");
    }

    /// <summary>
    /// Starts <c>tokenwise serve --config</c> on a free loopback port, with <paramref name="configYaml"/> written to
    /// <c>tokenwise.yaml</c> in <paramref name="directory"/> (where the config's own files, such as its database, can go too).
    /// </summary>
    public static async Task<(ServerProcess Server, Uri Url)> ServeWithConfigAsync(string directory, string configYaml,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var config = Path.Combine(directory, "tokenwise.yaml");
        await File.WriteAllTextAsync(config, configYaml);
        var url = FreeLoopbackUrl();
        return (await ServeAsync(url, environment ?? new Dictionary<string, string>(), "--config", config), url);
    }

    /// <summary>An address on loopback with a port nothing listens on right now.</summary>
    public static Uri FreeLoopbackUrl()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}/");
    }

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tokenwise.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("OPENAI_API_KEY");
        return start;
    }

    /// <summary>A running <c>tokenwise serve</c>; its output is collected so it never blocks on a full pipe.</summary>
    public sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;

        public ServerProcess(Process process)
        {
            _process = process;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public async Task<string> OutputAsync() => await _stdout + await _stderr;

        public bool HasExited => _process.HasExited;

        /// <summary>Asks the server to stop as a service manager does (SIGTERM); returns once the signal is sent.</summary>
        public async Task SignalStopAsync(CancellationToken cancellationToken)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync(cancellationToken);
        }

        /// <summary>The server's exit code, once it has exited.</summary>
        public async Task<int> ExitCodeAsync(CancellationToken cancellationToken)
        {
            await _process.WaitForExitAsync(cancellationToken);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }
    }
}
