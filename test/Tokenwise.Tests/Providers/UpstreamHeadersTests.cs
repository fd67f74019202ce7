using System.Net;
using System.Text;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;
using Tokenwise.Providers.OpenAICompatible;

namespace Tokenwise.Tests.Providers;

/// <summary>
/// The headers the gateway passes on from a provider to its client are kept only when Kestrel can write them: a Latin-1
/// <c>é</c> in a Content-Type or Retry-After made the relay throw after the call was made, a 500 instead of the answer.
/// </summary>
public sealed class UpstreamHeadersTests
{
    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task AHeaderValueThatIsNotPrintableAsciiIsDropped(HttpStatusCode status)
    {
        using var http = new HttpClient(new Answer(status, contentType: "application/json; charset=caf\u00e9", retryAfter: "5\u00e9"));
        var upstream = await SendAsync(http);

        Assert.Equal(((int)status, null, null), (upstream.StatusCode, upstream.ContentType, upstream.RetryAfter));
    }

    [Fact]
    public async Task PrintableValuesArePassedOnAsSent()
    {
        using var http = new HttpClient(new Answer(HttpStatusCode.TooManyRequests, contentType: "application/json; charset=utf-8", retryAfter: "Tue, 01 Dec 2026 09:01:30 GMT"));
        var upstream = await SendAsync(http);

        Assert.Equal(("application/json; charset=utf-8", "Tue, 01 Dec 2026 09:01:30 GMT"), (upstream.ContentType, upstream.RetryAfter));
    }

    private static async Task<UpstreamResponse> SendAsync(HttpClient http)
    {
        Assert.True(OpenAIRequestParser.TryParse("""{"model":"m","messages":[]}"""u8.ToArray(), ApiKind.ChatCompletions, out var request, out _));
        var provider = new OpenAICompatibleProvider("p", new Uri("http://127.0.0.1:9/v1"), "sk", http, UpstreamTimeouts.Default, null);
        var deployment = ModelDeployment.FromCatalog("m", new ProviderInfo("p", "p"), "m", PriceCatalog.Embedded);
        return await provider.SendAsync(request, deployment, TestContext.Current.CancellationToken);
    }

    private sealed class Answer(HttpStatusCode status, string contentType, string retryAfter) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{}")) };
            response.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
            return Task.FromResult(response);
        }
    }
}
