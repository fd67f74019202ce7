using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using System.Net;

namespace Tokenwise.Testing;

/// <summary>Small servers for tests and benchmarks: real Kestrel, on 127.0.0.1, on a free port, silent.</summary>
public static class Loopback
{
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>
    /// Like <see cref="CreateBuilder"/>, on two ports: one for HTTP/1.1 and one for HTTP/2 in cleartext (prior
    /// knowledge), as providers offer HTTP/2 over TLS. A cleartext port cannot negotiate, so each protocol needs
    /// its own. The functions give the addresses once the app started.
    /// </summary>
    public static WebApplicationBuilder CreateBuilderWithHttp2(out Func<Uri> http1Address, out Func<Uri> http2Address)
    {
        var builder = WebApplication.CreateSlimBuilder();
        ListenOptions? http1 = null;
        ListenOptions? http2 = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => http1 = listen);
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                http2 = listen;
            });
        });
        builder.Logging.ClearProviders();
        // Kestrel writes the port it bound back into the endpoint's options.
        http1Address = () => new Uri($"http://127.0.0.1:{http1!.IPEndPoint!.Port}/");
        http2Address = () => new Uri($"http://127.0.0.1:{http2!.IPEndPoint!.Port}/");
        return builder;
    }

    /// <summary>The address a started app actually listens on (port 0 picks one).</summary>
    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
