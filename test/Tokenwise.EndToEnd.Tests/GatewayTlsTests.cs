using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OpenAI;
using OpenAI.Chat;
using Tokenwise.Configuration;
using Tokenwise.Testing;

namespace Tokenwise.EndToEnd.Tests;

/// <summary>The gateway serving <c>https://</c> itself, from PEM files (<c>server.tls_certificate</c>, <c>server.tls_key</c>).</summary>
public sealed class GatewayTlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokenwise-tls-serve-").FullName;
    private readonly X509Certificate2 _certificate = Loopback.SelfSignedCertificate();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _certificate.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WithACertificateTheGatewayServesHttpsAndOffersHttp2(bool keyInTheCertificateFile)
    {
        var certificate = Path.Combine(_dir, "gateway.pem");
        var key = Path.Combine(_dir, "gateway.key");
        using var rsa = _certificate.GetRSAPrivateKey()!;
        var keyPem = rsa.ExportPkcs8PrivateKeyPem();
        await File.WriteAllTextAsync(certificate, _certificate.ExportCertificatePem() + (keyInTheCertificateFile ? "\n" + keyPem : ""), Ct);
        await File.WriteAllTextAsync(key, keyPem, Ct);
        var settings = new Dictionary<string, string?> { ["server:urls"] = "https://127.0.0.1:0", ["server:tls_certificate"] = certificate };
        if (!keyInTheCertificateFile)
        {
            settings["server:tls_key"] = key;
        }

        await using var upstream = await FakeUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(upstream, settings);
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == _certificate.GetCertHashString() },
        });

        Assert.Equal("https", gateway.BaseUrl.Scheme);
        var chat = new ChatClient("gpt-4o-mini", new ApiKeyCredential("sk-client"), new OpenAIClientOptions
        {
            Endpoint = gateway.OpenAIBaseUrl,
            Transport = new HttpClientPipelineTransport(http),
        });
        var answer = await chat.CompleteChatAsync([new UserChatMessage("over https to the gateway")], cancellationToken: Ct);
        Assert.NotEmpty(answer.Value.Content[0].Text);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.BaseUrl, "healthz")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), (response.StatusCode, response.Version));
    }

    [Fact]
    public async Task ACertificateThatCannotBeLoadedStopsStartUpNamingTheSetting()
    {
        var certificate = Path.Combine(_dir, "gateway.pem");
        await File.WriteAllTextAsync(certificate, _certificate.ExportCertificatePem(), Ct); // no key in it, and no server.tls_key

        var e = await Assert.ThrowsAsync<ConfigurationException>(() => TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["server:urls"] = "https://127.0.0.1:0",
            ["server:tls_certificate"] = certificate,
        }));
        Assert.StartsWith($"server.tls_certificate: '{certificate}' is not a usable PEM certificate and key: ", e.Message, StringComparison.Ordinal);
    }
}
