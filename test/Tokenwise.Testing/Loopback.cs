using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tokenwise.Testing;

/// <summary>Small servers for tests and benchmarks: real Kestrel, on 127.0.0.1, on a free port, silent.</summary>
public static class Loopback
{
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = SlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>
    /// Like <see cref="CreateBuilder"/>, on two ports: one for HTTP/1.1 and one for HTTP/2 in cleartext (prior
    /// knowledge), as providers offer HTTP/2 over TLS. A cleartext port cannot negotiate, so each protocol needs
    /// its own. The functions give the addresses once the app started.
    /// </summary>
    /// <param name="tls">When given, a third port serves HTTPS with this certificate, offering HTTP/2 and HTTP/1.1 by ALPN as
    /// providers do; <paramref name="tlsAddress"/> gives it (null without a certificate).</param>
    public static WebApplicationBuilder CreateBuilderWithHttp2(out Func<Uri> http1Address, out Func<Uri> http2Address,
        X509Certificate2? tls, out Func<Uri?> tlsAddress)
    {
        var builder = SlimBuilder();
        ListenOptions? http1 = null;
        ListenOptions? http2 = null;
        ListenOptions? https = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => http1 = listen);
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                http2 = listen;
            });
            if (tls is not null)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(tls);
                    https = listen;
                });
            }
        });
        builder.Logging.ClearProviders();
        // Kestrel writes the port it bound back into the endpoint's options.
        http1Address = () => new Uri($"http://127.0.0.1:{http1!.IPEndPoint!.Port}/");
        http2Address = () => new Uri($"http://127.0.0.1:{http2!.IPEndPoint!.Port}/");
        tlsAddress = () => https is null ? null : new Uri($"https://127.0.0.1:{https.IPEndPoint!.Port}/");
        return builder;
    }

    /// <summary>
    /// With no config file watched: ASP.NET Core would otherwise watch every folder under the working directory (an inotify
    /// instance per server, of the 128 a user may have), for an appsettings.json no test has.
    /// </summary>
    private static WebApplicationBuilder SlimBuilder() =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });

    /// <summary>A self-signed certificate for 127.0.0.1, valid for a day, for a TLS test server (and, as PEM, for the client to trust).</summary>
    public static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel needs the private key in a form the platform's TLS can use: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>The address a started app actually listens on (port 0 picks one).</summary>
    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
