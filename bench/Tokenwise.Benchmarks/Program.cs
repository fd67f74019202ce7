using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Tokenwise.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["--payloads"])
        {
            // The sizes of the bodies the benchmarks use, to read the figures against.
            Console.WriteLine($"chat request:           {Payloads.ChatRequest.Length,5} bytes");
            Console.WriteLine($"streaming chat request: {Payloads.StreamingChatRequest.Length,5} bytes");
            Console.WriteLine($"chat.completion answer: {Payloads.ChatCompletionResponse.Length,5} bytes");
            Console.WriteLine($"streamed answer:        {Payloads.StreamEvents.Length,5} events, {Payloads.StreamEvents.Sum(e => e.Length)} bytes");
            return;
        }

        // Reports go beside this project (bench/Tokenwise.Benchmarks/BenchmarkDotNet.Artifacts, git-ignored),
        // not into whatever folder the command was started from.
        var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(ProjectDirectory(), "BenchmarkDotNet.Artifacts"));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }

    internal static string ProjectDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tokenwise.Benchmarks.csproj")))
            {
                return directory.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
