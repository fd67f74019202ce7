using Tokenwise.Metering;
using Tokenwise.OpenAI;
using Tokenwise.Pipeline;
using Tokenwise.Pricing;
using Tokenwise.Routing.Routes;

namespace Tokenwise.Tests.Routing.Routes;

/// <summary>Deployments priced from the embedded catalog, routes over them, and requests to route.</summary>
internal static class RouteFixtures
{
    private static readonly ProviderInfo OpenAI = new("openai", "openai");

    public static RouteTarget Target(string model, double weight = 1, int? rpm = null, long? tpm = null) =>
        new("openai/" + model, ModelDeployment.FromCatalog("openai/" + model, OpenAI, model, PriceCatalog.Embedded), weight, rpm, tpm);

    public static RoutePolicy Route(RouteStrategy strategy, params RouteTarget[] targets) => new()
    {
        Name = "test-route",
        Strategy = strategy,
        Targets = targets,
        Baseline = targets[0],
    };

    public static LlmRequest Chat(string json)
    {
        Assert.True(OpenAIRequestParser.TryParse(System.Text.Encoding.UTF8.GetBytes(json), ApiKind.ChatCompletions, out var request, out var error), error?.Message);
        return request;
    }

    public static LlmRequest Ask(string question) =>
        Chat($$"""{"model":"test-route","messages":[{"role":"user","content":{{System.Text.Json.JsonSerializer.Serialize(question)}}}]}""");

    public static UsageRecord Record() => new() { Id = "req_test", StartedAt = DateTimeOffset.UnixEpoch, Endpoint = "chat.completions", Dialect = "openai" };
}
