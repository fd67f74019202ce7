using Tokenwise.Budgets;
using Tokenwise.Caching;
using Tokenwise.Metering;
using Tokenwise.Routing.Routes;

namespace Tokenwise.Pipeline;

/// <summary>One request on its way through the pipeline: what was asked, who asked, and its usage record.</summary>
public sealed class GatewayContext(LlmRequest request, UsageRecord record, CancellationToken aborted)
{
    /// <summary>The request as it goes on; routing may replace it with a redacted or reasoning-capped copy for a deployment.</summary>
    public LlmRequest Request { get; set; } = request;
    public UsageRecord Record { get; } = record;
    /// <summary>Fires when the client disconnects.</summary>
    public CancellationToken Aborted { get; } = aborted;
    /// <summary>The credential the client presented (bearer token or x-api-key), if any; never forwarded upstream.</summary>
    public string? ApiKey { get; init; }
    /// <summary>Set by model resolution; on a route, its primary deployment until routing chooses one.</summary>
    public ModelDeployment? Deployment { get; set; }
    /// <summary>Set by model resolution when the model named is a route.</summary>
    public RoutePolicy? Route { get; set; }
    /// <summary>Set by the admission gate when a budget or rate limit applies; settled by the endpoint.</summary>
    public Admission? Admission { get; set; }
    /// <summary>The request's cache controls and the lookup's result; null when the endpoint does not cache.</summary>
    public CacheState? Cache { get; set; }
    /// <summary>Calls this request paid for besides the one that answered (a cascade's rejected answers), logged and settled with it.</summary>
    public List<UsageRecord>? ExtraRecords { get; private set; }

    public void AddExtraRecord(UsageRecord record) => (ExtraRecords ??= []).Add(record);

    /// <summary>Headers the stages add to the client's response (rate-limit state, budget warnings), in order.</summary>
    public List<KeyValuePair<string, string>>? ResponseHeaders { get; private set; }

    /// <summary>
    /// The prompt's tokens counted with <paramref name="model"/>'s tokenizer, once per request: the admission gate,
    /// routing and the estimate of a request without reported usage all need it, and a long prompt takes
    /// milliseconds to count. Counted again only when the request or the model has changed.
    /// </summary>
    public long PromptTokens(string model)
    {
        if (_promptTokens is not { } counted || !ReferenceEquals(counted.Request, Request) || counted.Model != model)
        {
            _promptTokens = counted = (Request, model, Metering.PromptTokens.Estimate(Request, model));
        }

        return counted.Tokens;
    }

    private (LlmRequest Request, string Model, long Tokens)? _promptTokens;

    public void AddResponseHeader(string name, string value) => (ResponseHeaders ??= []).Add(new(name, value));
}
