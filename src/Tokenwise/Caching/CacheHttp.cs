using Tokenwise.Configuration;
using Tokenwise.Pipeline;

namespace Tokenwise.Caching;

/// <summary>The endpoints' side of the cache: read a request's cache headers, price a hit as a saving.</summary>
internal static class CacheHttp
{
    /// <summary>Attaches the request's cache controls (the configuration for its model, narrowed by its headers) to <paramref name="context"/>; an error for a malformed header.</summary>
    public static GatewayError? Attach(HttpRequest request, CacheOptions options, GatewayContext context)
    {
        var (mode, threshold) = options.For(context.Request.Model);
        var directives = CacheDirectives.Parse(mode, TimeSpan.FromSeconds(options.TtlSeconds), TimeSpan.FromSeconds(options.MaxTtlSeconds),
            request.Headers.CacheControl.ToString(), request.Headers[CacheDirectives.ModeHeader].ToString(), request.Headers[CacheDirectives.TtlHeader].ToString(),
            out var error);
        if (error is not null)
        {
            return GatewayError.InvalidRequest(error, "invalid_cache_header");
        }

        context.Cache = new CacheState(directives, threshold);
        return null;
    }
}
