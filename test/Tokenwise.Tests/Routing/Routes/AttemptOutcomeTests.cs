using System.Text;
using Tokenwise.Pipeline;
using Tokenwise.Routing.Routes;

namespace Tokenwise.Tests.Routing.Routes;

public sealed class AttemptOutcomeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static GatewayResponse Upstream(int status, string body = "{}", string? retryAfter = null) =>
        GatewayResponse.From(new UpstreamResponse(status, "application/json", new MemoryStream(Encoding.UTF8.GetBytes(body))) { RetryAfter = retryAfter });

    private static async Task<string> BodyAsync(GatewayResponse response) =>
        await new StreamReader(response.Upstream!.Body).ReadToEndAsync(Ct);

    [Theory]
    [InlineData(200, FallbackTriggers.None)]
    [InlineData(429, FallbackTriggers.RateLimit)]
    [InlineData(500, FallbackTriggers.ServerError)]
    [InlineData(503, FallbackTriggers.ServerError)]
    [InlineData(529, FallbackTriggers.ServerError)]
    [InlineData(401, FallbackTriggers.None)]
    [InlineData(404, FallbackTriggers.None)]
    public async Task StatusesMapToTheirTriggers(int status, FallbackTriggers trigger)
    {
        var outcome = await AttemptOutcome.ClassifyAsync(Upstream(status), Now, Ct);

        Assert.Equal(trigger, outcome.Trigger);
        Assert.Equal(status == 200, outcome.Succeeded);
        Assert.Equal(status is 429 or >= 500, outcome.CountsAgainstDeployment);
    }

    [Fact]
    public async Task RetryAfterIsReadInSecondsOrAsADate()
    {
        Assert.Equal(TimeSpan.FromSeconds(7), (await AttemptOutcome.ClassifyAsync(Upstream(429, retryAfter: "7"), Now, Ct)).RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(90), (await AttemptOutcome.ClassifyAsync(Upstream(503, retryAfter: "Tue, 01 Dec 2026 09:01:30 GMT"), Now, Ct)).RetryAfter);
        Assert.Null((await AttemptOutcome.ClassifyAsync(Upstream(429, retryAfter: "soon"), Now, Ct)).RetryAfter);
        // A wait no TimeSpan holds (it was a 500, and the route never fell back) or beyond any quota reset is a day.
        foreach (var absurd in new[] { "1e20", "Infinity", "Fri, 31 Dec 9999 23:59:59 GMT" })
        {
            Assert.Equal(AttemptOutcome.MaxRetryAfter, (await AttemptOutcome.ClassifyAsync(Upstream(429, retryAfter: absurd), Now, Ct)).RetryAfter);
        }
    }

    [Theory]
    [InlineData("""{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","code":"context_length_exceeded"}}""")]
    [InlineData("""{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 212000 tokens > 200000 maximum"}}""")]
    [InlineData("""{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}""")]
    public async Task ContextLengthErrorsOfEachProviderAreRecognisedAndTheBodyIsKept(string body)
    {
        var outcome = await AttemptOutcome.ClassifyAsync(Upstream(400, body), Now, Ct);

        Assert.Equal(FallbackTriggers.ContextLength, outcome.Trigger);
        Assert.False(outcome.CountsAgainstDeployment); // the prompt is at fault, not the deployment
        Assert.Equal(body, await BodyAsync(outcome.Response));
    }

    [Fact]
    public async Task AnyOther400GoesBackToTheClientByteForByte()
    {
        const string body = """{"error":{"message":"Invalid value for 'temperature'.","type":"invalid_request_error","code":"invalid_value"}}""";

        var outcome = await AttemptOutcome.ClassifyAsync(Upstream(400, body, retryAfter: "3"), Now, Ct);

        Assert.Equal(FallbackTriggers.None, outcome.Trigger);
        Assert.Equal((400, "application/json", "3"), (outcome.Response.Upstream!.StatusCode, outcome.Response.Upstream.ContentType, outcome.Response.Upstream.RetryAfter));
        Assert.Equal(body, await BodyAsync(outcome.Response));
    }

    [Theory]
    [InlineData("upstream_timeout", FallbackTriggers.Timeout, false)]
    [InlineData("upstream_unavailable", FallbackTriggers.Connection, false)]
    [InlineData("translation_unavailable", FallbackTriggers.None, true)]
    [InlineData("responses_api_unavailable", FallbackTriggers.None, true)]
    [InlineData("unsupported_parameter", FallbackTriggers.None, true)]
    [InlineData("budget_exceeded", FallbackTriggers.None, false)]
    public async Task TheGatewaysOwnErrorsMapToTimeoutsConnectionsAndUnsupportedFeatures(string code, FallbackTriggers trigger, bool unsupported)
    {
        var outcome = await AttemptOutcome.ClassifyAsync(GatewayResponse.Fail(new GatewayError(502, "api_error", code, "x")), Now, Ct);

        Assert.Equal((trigger, unsupported), (outcome.Trigger, outcome.Unsupported));
    }
}
