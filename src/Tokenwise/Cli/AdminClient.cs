using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Tokenwise.Configuration;

namespace Tokenwise.Cli;

/// <summary>
/// The CLI's way to change keys, budgets and rate limits: through the running gateway's admin API, so the
/// change takes effect at once (the gateway keeps them in memory). Address from --url or TOKENWISE_URL,
/// key from TOKENWISE_MASTER_KEY.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;

    private AdminClient(Uri baseUrl, string? masterKey)
    {
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(masterKey))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", masterKey);
        }
    }

    public static Option<string?> UrlOption() => new("--url")
    {
        Description = $"The gateway's address (default: TOKENWISE_URL, else {ServerOptions.DefaultUrl}). The master key comes from TOKENWISE_MASTER_KEY.",
    };

    /// <returns>The client, or null when <paramref name="address"/> is not an http(s) URL.</returns>
    public static AdminClient? From(ParseResult parse, Option<string?> url, out string address)
    {
        address = parse.GetValue(url) ?? Environment.GetEnvironmentVariable(SettingsLoader.UrlVariable) ?? ServerOptions.DefaultUrl;
        return Uri.TryCreate(address.TrimEnd('/') + "/", UriKind.Absolute, out var baseUrl) && baseUrl.Scheme is "http" or "https"
            ? new AdminClient(baseUrl, Environment.GetEnvironmentVariable("TOKENWISE_MASTER_KEY"))
            : null;
    }

    /// <returns>The parsed answer, or null after writing the gateway's error (or why it could not be reached) to stderr.</returns>
    public async Task<T?> SendAsync<T>(HttpMethod method, string path, HttpContent? body, JsonTypeInfo<T> answer, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await TrySendAsync(method, path, body, cancellationToken);
        return response is null ? null : await response.Content.ReadFromJsonAsync(answer, cancellationToken);
    }

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await TrySendAsync(HttpMethod.Delete, path, null, cancellationToken);
        return response is not null;
    }

    private async Task<HttpResponseMessage?> TrySendAsync(HttpMethod method, string path, HttpContent? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = body };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"Could not reach the gateway at {_http.BaseAddress}: {e.Message}. Is it running? (--url / TOKENWISE_URL)");
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            await Console.Error.WriteLineAsync($"The gateway answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            response.Dispose();
            return null;
        }

        return response;
    }

    public static JsonContent Json<T>(T value, JsonTypeInfo<T> type) => JsonContent.Create(value, type);

    public void Dispose() => _http.Dispose();
}
