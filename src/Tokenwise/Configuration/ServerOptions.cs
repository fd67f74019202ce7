using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

public sealed class ServerOptions
{
    public const string DefaultUrl = "http://127.0.0.1:8787";

    /// <summary>Addresses to listen on, separated by ';' (ASP.NET's <c>--urls</c> convention).</summary>
    [ConfigurationKeyName("urls")]
    public string Urls { get; set; } = DefaultUrl;

    /// <summary>The PEM certificate (chain) the gateway serves <c>https://</c> addresses with.</summary>
    [ConfigurationKeyName("tls_certificate")]
    public string? TlsCertificate { get; set; }

    /// <summary>The PEM private key of <see cref="TlsCertificate"/>; unset when the certificate file holds the key too.</summary>
    [ConfigurationKeyName("tls_key")]
    public string? TlsKey { get; set; }

    [ConfigurationKeyName("max_request_body_bytes")]
    public long MaxRequestBodyBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Store request and response bodies in the usage log (off: they may hold personal data).</summary>
    [ConfigurationKeyName("log_bodies")]
    public bool LogBodies { get; set; }
}
