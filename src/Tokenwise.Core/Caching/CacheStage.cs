using Tokenwise.Pipeline;

namespace Tokenwise.Caching;

/// <summary>
/// Looks the request up before any upstream call. A hit answers with the stored bytes as if an
/// upstream had sent them, so each endpoint relays (and, for streams, replays) it the usual way; a miss
/// leaves the key on the context, and the endpoint stores the answer under it once it completes
/// (<see cref="ResponseCache.Store"/>).
/// Runs after model resolution (the resolved model is part of the scope) and authentication (so is the tenant).
/// </summary>
public sealed class CacheStage(ResponseCache cache, CacheNamespace tenancy) : IGatewayStage
{
    public const string StatusHeader = CacheDirectives.ModeHeader;

    public ValueTask<GatewayResponse> InvokeAsync(GatewayContext context, GatewayHandler next)
    {
        if (context.Cache is not { Directives.Mode: not CacheMode.Off } state || context.Deployment is not { } deployment
            || context.Request.Api is not (ApiKind.ChatCompletions or ApiKind.Messages))
        {
            return next(context);
        }

        state.Namespace = tenancy.Of(context.Record);
        // A route's answers are the route's, whichever deployment gave them: its name is the scope, not the deployment.
        var key = ExactCacheKey.Compute(state.Namespace, context.Route is { } route ? RouteScope(route, deployment) : deployment, context.Request);
        if (!state.Directives.NoCache && cache.TryGet(key, out var entry))
        {
            state.Hit = entry;
            cache.Record(hit: true);
            context.Record.Cache = "hit-exact";
            context.AddResponseHeader(StatusHeader, "hit-exact");
            return ValueTask.FromResult(GatewayResponse.From(new UpstreamResponse(200, entry.ContentType, new MemoryStream(entry.Body, writable: false))));
        }

        if (!state.Directives.NoStore)
        {
            state.Key = key;
        }

        cache.Record(hit: false);
        context.Record.Cache = "miss";
        context.AddResponseHeader(StatusHeader, "miss");
        return next(context);
    }

    private static ModelDeployment RouteScope(Routing.Routes.RoutePolicy route, ModelDeployment primary) =>
        primary with { Provider = "route", UpstreamModel = route.Name };
}
