using System.Globalization;
using Tokenwise.Pipeline;

namespace Tokenwise.Caching;

/// <summary>
/// Looks the request up before any upstream call: exact first, then, in semantic mode, by meaning within
/// the request's scope (<see cref="SemanticQuery"/>). A hit answers with the stored bytes as if an
/// upstream had sent them, so each endpoint relays (and, for streams, replays) it the usual way; a miss
/// leaves the key (and the question's vector) on the context, and the endpoint stores the answer under it
/// once it completes (<see cref="ResponseCache.Store"/>).
/// Runs after model resolution (the resolved model is part of the scope) and authentication (so is the tenant).
/// </summary>
public sealed class CacheStage(ResponseCache cache, CacheNamespace tenancy, SemanticCache? semantic = null) : IGatewayStage
{
    public const string StatusHeader = CacheDirectives.ModeHeader;
    public const string SimilarityHeader = "x-tokenwise-cache-similarity";

    public ValueTask<GatewayResponse> InvokeAsync(GatewayContext context, GatewayHandler next)
    {
        // Cache-Control: no-store neither reads nor writes, as x-tokenwise-cache: off: no status header, and not a miss in the stats.
        if (context.Cache is not { Directives: { Mode: not CacheMode.Off, NoStore: false } } state || context.Deployment is not { } deployment
            || context.Request.Api is not (ApiKind.ChatCompletions or ApiKind.Messages))
        {
            return next(context);
        }

        state.Namespace = tenancy.Of(context.Record);
        // A route's answers are the route's, whichever deployment gave them: its name is the scope, not the deployment.
        var scope = context.Route is { } route ? RouteScope(route, deployment) : deployment;
        var key = ExactCacheKey.Compute(state.Namespace, scope, context.Request);
        if (!state.Directives.NoCache && cache.TryGet(key, out var entry))
        {
            return Hit(context, state, entry, "hit-exact", similarity: null);
        }

        state.Key = key;
        if (state.Directives.Mode == CacheMode.Semantic && semantic is not null
            && SemanticQuery.TryCreate(state.Namespace, scope, context.Request, out var query))
        {
            return LookUpSimilarAsync(context, state, query, semantic, next);
        }

        return Miss(context, next);
    }

    private async ValueTask<GatewayResponse> LookUpSimilarAsync(GatewayContext context, CacheState state, SemanticQuery query, SemanticCache semantic, GatewayHandler next)
    {
        if (await semantic.TryEmbedAsync(query.Question, context.Aborted) is not { } vector)
        {
            return await Miss(context, next); // logged by the semantic cache; served as if it were off
        }

        (state.Semantic, state.Vector) = (query, vector);
        if (!state.Directives.NoCache && cache.FindSimilar(query, vector, semantic.Matcher, state.SemanticThreshold, out var entry, out var similarity))
        {
            cache.RecordSemanticHit();
            return await Hit(context, state, entry, "hit-semantic", similarity);
        }

        return await Miss(context, next);
    }

    private ValueTask<GatewayResponse> Hit(GatewayContext context, CacheState state, CacheEntry entry, string status, float? similarity)
    {
        state.Hit = entry;
        cache.Record(hit: true);
        context.Record.Cache = status;
        context.AddResponseHeader(StatusHeader, status);
        if (similarity is { } s)
        {
            context.AddResponseHeader(SimilarityHeader, s.ToString("0.000", CultureInfo.InvariantCulture));
        }

        return ValueTask.FromResult(GatewayResponse.From(new UpstreamResponse(200, entry.ContentType, new MemoryStream(entry.Body, writable: false))));
    }

    private ValueTask<GatewayResponse> Miss(GatewayContext context, GatewayHandler next)
    {
        cache.Record(hit: false);
        context.Record.Cache = "miss";
        context.AddResponseHeader(StatusHeader, "miss");
        return next(context);
    }

    private static ModelDeployment RouteScope(Routing.Routes.RoutePolicy route, ModelDeployment primary) =>
        primary with { Provider = "route", UpstreamModel = route.Name };
}
