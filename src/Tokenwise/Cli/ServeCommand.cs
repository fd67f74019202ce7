using System.CommandLine;
using Tokenwise.Configuration;
using Tokenwise.Hosting;

namespace Tokenwise.Cli;

/// <summary><c>tokenwise serve</c>: runs the gateway.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config();
        var urls = new Option<string?>("--urls") { Description = $"Addresses to listen on, ';'-separated (default {ServerOptions.DefaultUrl})." };
        var demo = new Option<bool>("--demo") { Description = "Add the simulated provider: try everything without an API key." };
        var command = new Command("serve", "Run the gateway.") { config, urls, demo };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new Dictionary<string, string?>();
            if (parse.GetValue(urls) is { } u)
            {
                settings["server:urls"] = u;
            }

            if (parse.GetValue(demo))
            {
                settings["demo"] = "true";
            }

            WebApplication app;
            try
            {
                app = GatewayHost.Build(new GatewayStartOptions { ConfigPath = parse.GetValue(config), Settings = settings });
                await GatewayHost.InitializeAsync(app, cancellationToken);
            }
            catch (ConfigurationException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 2;
            }

            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException or Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // Kestrel could not bind an address: taken, not this machine's, or not this user's to take.
                await app.StopAsync(CancellationToken.None);
                await app.DisposeAsync();
                await Console.Error.WriteLineAsync($"server.urls: {e.Message}");
                return 2;
            }

            await app.WaitForShutdownAsync(cancellationToken);
            await app.DisposeAsync();
            return 0;
        });
        return command;
    }
}
