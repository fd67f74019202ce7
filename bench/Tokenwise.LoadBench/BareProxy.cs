using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using Tokenwise.Testing;

namespace Tokenwise.LoadBench;

/// <summary>
/// The least an HTTP pass-through on the same stack can do (Kestrel in, pooled HttpClient out, body
/// copied as is, no parsing, no metering, no usage log): the floor for any gateway, to tell the cost
/// of the extra hop from the cost of Tokenwise's own work. It calls the upstream with the gateway's HTTP version.
/// Only runs with <c>--baseline-proxy</c>.
/// </summary>
internal sealed class BareProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private BareProxy(WebApplication app, HttpClient http, Uri baseUrl)
    {
        _app = app;
        _http = http;
        BaseUrl = baseUrl;
    }

    /// <summary>The OpenAI base URL, ending in <c>/v1</c>.</summary>
    public Uri BaseUrl { get; }

    public static async Task<BareProxy> StartAsync(Uri upstreamBaseUrl, string httpVersion, string upstreamKey)
    {
        var version = httpVersion == "2" ? HttpVersion.Version20 : HttpVersion.Version11;
        var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        var target = new Uri($"{upstreamBaseUrl}/chat/completions");
        var authorization = new AuthenticationHeaderValue("Bearer", upstreamKey);

        var app = Loopback.CreateBuilder().Build();
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            var length = (int)(context.Request.ContentLength ?? 4096);
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 256));
            try
            {
                var filled = 0;
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer.AsMemory(filled))) > 0)
                {
                    filled += read;
                    if (filled == buffer.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                }

                using var request = new HttpRequestMessage(HttpMethod.Post, target)
                {
                    Version = version,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                    Content = new ReadOnlyMemoryContent(buffer.AsMemory(0, filled)),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Authorization = authorization;
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
                context.Response.StatusCode = (int)response.StatusCode;
                context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
                await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
                await body.CopyToAsync(context.Response.Body, context.RequestAborted);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        await app.StartAsync();
        return new BareProxy(app, http, new Uri(Loopback.Address(app), "v1"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
    }
}
